// Phase managed-image: a managed image from the generalized VM (facts §3: sourceVirtualMachine; the
// Hyper-V generation must match the VM's, it defaults to V1; the image lives in the VM's region).
import type { AzureClients } from '../azure/clients.js';
import { BuildError, isNotFound, toBuildError } from '../azure/errors.js';
import { runLro, SCHEDULES, type LroContext } from '../azure/lro.js';
import { KIND } from '../ledger.js';
import type { ResolvedSource } from '../types.js';
import type { BuildContext } from './context.js';
import { vmSecurityType } from './vm.js';

export const PHASE = 'managed-image';

/** Why a managed image cannot be made of this build, or undefined. Checked before anything is created. */
export function managedImageProblem(
  ctx: Pick<BuildContext, 'settings'>,
  source: ResolvedSource,
): string | undefined {
  if (!ctx.settings.managedImage) return undefined;
  if (!ctx.settings.generalize) {
    return 'a managed image needs a generalized VM, and generalize is false; publish specialized builds to a gallery only (remove image-name)';
  }
  if (vmSecurityType(ctx.settings, source) === 'TrustedLaunch') {
    return 'managed images cannot hold Trusted Launch VMs (packer-plugin-azure#221); publish to a gallery only (remove image-name), or build with security-type: Standard';
  }
  return undefined;
}

export function managedImageId(subscriptionId: string, group: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${group}/providers/Microsoft.Compute/images/${name}`;
}

export async function createManagedImage(
  ctx: BuildContext,
  vmId: string,
  source: ResolvedSource,
): Promise<string> {
  const target = ctx.settings.managedImage;
  if (!target) throw new BuildError(PHASE, undefined, 'no managed image target');
  const id = managedImageId(ctx.clients.subscriptionId, target.resourceGroup, target.name);
  ctx.ledger.record(id, KIND.image, 'output');
  ctx.log.info(`Creating the managed image ${target.name} in ${target.resourceGroup}`);
  const image = await runLro(
    ctx,
    {
      phase: PHASE,
      schedule: ctx.settings.gallery ? SCHEDULES.managedImageBesideGallery : SCHEDULES.managedImage,
    },
    (o) =>
      ctx.clients.compute.images.createOrUpdate(
        target.resourceGroup,
        target.name,
        {
          location: ctx.location,
          tags: { ...ctx.tags, 'aib-source': source.exact.slice(0, 256) },
          sourceVirtualMachine: { id: vmId },
          hyperVGeneration: source.hyperVGeneration,
        },
        o,
      ),
  );
  return image.id ?? id;
}

export function deleteManagedImage(
  clients: AzureClients,
  ctx: LroContext,
  group: string,
  name: string,
): Promise<void> {
  return runLro(ctx, { phase: 'cleanup', schedule: SCHEDULES.delete }, (o) =>
    clients.compute.images.delete(group, name, o),
  );
}

/**
 * Fails early when the managed image already exists: a PUT would try to replace an image that is not
 * this run's, and a failed build's cleanup must never delete a resource it did not create.
 */
export async function checkManagedImageAbsent(ctx: BuildContext): Promise<void> {
  const target = ctx.settings.managedImage;
  if (!target) return;
  try {
    await ctx.clients.compute.images.get(target.resourceGroup, target.name, { abortSignal: ctx.signal });
  } catch (err) {
    if (isNotFound(err)) return;
    throw toBuildError(PHASE, err);
  }
  throw new BuildError(
    PHASE,
    'ImageExists',
    `the managed image ${target.name} already exists in ${target.resourceGroup}. Choose another image-name, or delete it: az image delete -g ${target.resourceGroup} -n ${target.name}`,
  );
}
