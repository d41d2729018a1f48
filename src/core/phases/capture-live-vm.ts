// Capture of an existing, live VM (base-image = a virtual machine ID) as a specialized gallery version:
// a point-in-time copy, with no build VM, no scripts and no generalization. The build reads the VM and
// asks the gallery for a version whose source is that VM (storageProfile.source.virtualMachineId, facts §3);
// it never writes to the VM, never records it in the ledger (so cleanup never touches it), and never
// stops or deallocates it itself. What the VM goes through is Azure's doing: docs/specialized.md.
//
// Source: MicrosoftDocs/azure-docs articles/virtual-machines/capture-image-portal.md — "If you want a
// specialized image, no additional action is required"; "When capturing an image of a virtual machine in
// Azure, the virtual machine will be temporarily stopped to ensure data consistency … a point-in-time
// snapshot of the virtual machine's disk."
import type { VirtualMachine } from '@azure/arm-compute';
import { BuildError } from '../azure/errors.js';
import { isResourceType, parseResourceId } from '../resource-id.js';
import type { HyperVGeneration, OsType, PurchasePlan, ResolvedSource, SourceImage } from '../types.js';
import type { BuildContext } from './context.js';
import { parseVmSize } from './vm.js';

export const PHASE = 'resolve-source';

/** The VM as a source: what the gallery definition must match (OS type, generation, security, plan). */
export function fromLiveVm(
  source: Extract<SourceImage, { kind: 'liveVm' }>,
  vm: VirtualMachine,
  generation: string | undefined,
): ResolvedSource {
  const plan: PurchasePlan | undefined =
    vm.plan?.name && vm.plan.product && vm.plan.publisher
      ? { name: vm.plan.name, product: vm.plan.product, publisher: vm.plan.publisher }
      : undefined;
  const controller = vm.storageProfile?.diskControllerType;
  return {
    source,
    exact: vm.id ?? source.id,
    osType: (vm.storageProfile?.osDisk?.osType ?? 'Linux') as OsType,
    hyperVGeneration: (generation ?? 'V1') as HyperVGeneration,
    // The VM object does not state its architecture; its size does (an Arm64 size has a 'p' in its name).
    architecture: parseVmSize(vm.hardwareProfile?.vmSize ?? '')?.architecture ?? 'x64',
    securityType: vm.securityProfile?.securityType === 'TrustedLaunch' ? 'TrustedLaunch' : 'Standard',
    ...(plan ? { plan } : {}),
    imageReference: { id: vm.id ?? source.id },
    osState: 'Specialized',
    ...(vm.location ? { location: vm.location } : {}),
    ...(controller ? { diskControllerTypes: controller === 'NVMe' ? ['SCSI', 'NVMe'] : ['SCSI'] } : {}),
  };
}

/** Reads the live VM (model and instance view) and checks that it can be captured as it is. */
export async function resolveLiveVm(
  ctx: BuildContext,
  source: Extract<SourceImage, { kind: 'liveVm' }>,
): Promise<ResolvedSource> {
  const rid = parseResourceId(source.id);
  if (!rid || !isResourceType(rid, 'Microsoft.Compute', 'virtualMachines')) {
    throw new BuildError(PHASE, 'InvalidSource', `'${source.id}' is not a virtual machine resource ID`);
  }
  const vm = await ctx.clients.compute.virtualMachines.get(rid.resourceGroup, rid.name, {
    expand: 'instanceView',
    abortSignal: ctx.signal,
  });
  const view = vm.instanceView;
  const statuses = (view?.statuses ?? []).map((s) => s.code ?? '');
  if (statuses.some((c) => c.toLowerCase() === 'osstate/generalized')) {
    throw new BuildError(
      PHASE,
      'SourceVmGeneralized',
      `the virtual machine ${rid.name} is marked generalized, so it is no longer a specialized VM to capture. Use it as a generalized source instead: capture it to a managed image or gallery version with az, then use that image as base-image.`,
    );
  }
  const location = vm.location?.replace(/\s+/g, '').toLowerCase();
  if (location && location !== ctx.location) {
    throw new BuildError(
      PHASE,
      'LocationMismatch',
      `the virtual machine ${rid.name} is in ${location}, and a gallery version made from a VM must be created in the VM's region (facts §3); the build location is ${ctx.location}. Set location: ${location} (target-regions can add other regions).`,
    );
  }
  const resolved = fromLiveVm(source, vm, view?.hyperVGeneration);
  const power = statuses.find((c) => c.toLowerCase().startsWith('powerstate/'))?.slice('PowerState/'.length);
  ctx.log.info(
    `Capturing the existing VM ${rid.name} as it is (${power ?? 'power state unknown'}): no build VM is created and the VM is not changed by this action`,
  );
  return resolved;
}
