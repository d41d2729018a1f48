// Phase create-vm: the build VM, with no public IP (its NIC has none), a random admin password that is
// masked and never logged, and every disk and the NIC set to be deleted with it (facts §3: the
// default deleteOption is Detach, which leaves them behind).
import { randomInt } from 'node:crypto';
import type { VirtualMachine } from '@azure/arm-compute';
import type { AzureClients } from '../azure/clients.js';
import { BuildError } from '../azure/errors.js';
import { runLro, SCHEDULES, type LroContext } from '../azure/lro.js';
import { KIND } from '../ledger.js';
import type { BuildSettings, ResolvedSource } from '../types.js';
import { buildResourceId, type BuildContext, type BuildNames } from './context.js';

export const PHASE = 'create-vm';
export const ADMIN_USERNAME = 'aibadmin';

const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '23456789';
const SYMBOLS = '!#%+-.:=@_~';

/**
 * A 32-character password from the OS CSPRNG meeting Azure's complexity rule (3 of 4 classes; all 4
 * here) with no characters that need quoting in a shell or JSON.
 */
export function generatePassword(length = 32): string {
  const all = LOWER + UPPER + DIGITS + SYMBOLS;
  const chars = [LOWER, UPPER, DIGITS, SYMBOLS].map((set) => set[randomInt(set.length)]);
  while (chars.length < length) chars.push(all[randomInt(all.length)]);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}

/** Why a Trusted Launch build cannot use this source, or undefined when it can. */
export function trustedLaunchProblem(source: ResolvedSource): string | undefined {
  if (source.hyperVGeneration !== 'V2')
    return `the base image ${source.exact} is Hyper-V generation ${source.hyperVGeneration}; Trusted Launch needs V2`;
  if (source.securityType === 'Standard')
    return `the base image ${source.exact} does not support Trusted Launch (no SecurityType feature)`;
  return undefined;
}

/** The VM's security type: Trusted Launch when asked for, or when the source requires it. */
export function vmSecurityType(
  settings: BuildSettings,
  source: ResolvedSource,
): 'Standard' | 'TrustedLaunch' {
  if (settings.vm.securityType === 'TrustedLaunch' || source.securityType === 'TrustedLaunch')
    return 'TrustedLaunch';
  return 'Standard';
}

export function vmDefinition(
  settings: BuildSettings,
  source: ResolvedSource,
  names: BuildNames,
  location: string,
  nicId: string,
  tags: Record<string, string>,
  adminPassword: string,
): VirtualMachine {
  const security = vmSecurityType(settings, source);
  const nvmeOnly =
    source.diskControllerTypes?.length === 1 && source.diskControllerTypes[0].toLowerCase() === 'nvme';
  const vm: VirtualMachine = {
    location,
    tags: { ...tags, 'aib-source': source.exact.slice(0, 256) },
    hardwareProfile: { vmSize: settings.vm.size },
    storageProfile: {
      imageReference: source.imageReference,
      osDisk: {
        name: `${names.vm}-osdisk`,
        createOption: 'FromImage',
        deleteOption: 'Delete',
        ...(settings.vm.osDiskSizeGb ? { diskSizeGB: settings.vm.osDiskSizeGb } : {}),
      },
      dataDisks: settings.vm.dataDiskSizesGb.map((size, lun) => ({
        lun,
        name: `${names.vm}-data${lun}`,
        createOption: 'Empty',
        diskSizeGB: size,
        deleteOption: 'Delete',
      })),
      ...(nvmeOnly ? { diskControllerType: 'NVMe' } : {}),
    },
    networkProfile: { networkInterfaces: [{ id: nicId, primary: true, deleteOption: 'Delete' }] },
    diagnosticsProfile: { bootDiagnostics: { enabled: true } },
  };
  // A generalized source needs osProfile, a specialized one forbids it (facts §3).
  if (source.osState === 'Generalized') {
    vm.osProfile = {
      computerName: names.computerName,
      adminUsername: ADMIN_USERNAME,
      adminPassword,
      ...(source.osType === 'Windows'
        ? { windowsConfiguration: { provisionVMAgent: true, enableAutomaticUpdates: false } }
        : { linuxConfiguration: { disablePasswordAuthentication: false, provisionVMAgent: true } }),
    };
  }
  if (source.plan) vm.plan = { ...source.plan };
  if (settings.vm.spot) {
    vm.priority = 'Spot';
    vm.evictionPolicy = 'Delete';
    vm.billingProfile = { maxPrice: -1 };
  }
  if (security === 'TrustedLaunch') {
    vm.securityProfile = {
      securityType: 'TrustedLaunch',
      uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
    };
  }
  return vm;
}

export async function createVm(ctx: BuildContext, source: ResolvedSource, nicId: string): Promise<string> {
  const { settings, names } = ctx;
  if (vmSecurityType(settings, source) === 'TrustedLaunch') {
    const problem = trustedLaunchProblem(source);
    if (problem)
      throw new BuildError(
        PHASE,
        'InvalidSecurityType',
        `${problem}. Set security-type: Standard, or use another base image.`,
      );
  }
  const password = generatePassword();
  ctx.host.logger.mask(password);
  const vmId = buildResourceId(ctx, 'Microsoft.Compute', 'virtualMachines', names.vm);
  ctx.ledger.record(vmId, KIND.virtualMachine);
  // Disks go with the VM (deleteOption Delete); recorded so cleanup in an existing group can retry them.
  ctx.ledger.record(buildResourceId(ctx, 'Microsoft.Compute', 'disks', `${names.vm}-osdisk`), KIND.disk);
  settings.vm.dataDiskSizesGb.forEach((_, lun) =>
    ctx.ledger.record(
      buildResourceId(ctx, 'Microsoft.Compute', 'disks', `${names.vm}-data${lun}`),
      KIND.disk,
    ),
  );
  const definition = vmDefinition(settings, source, names, ctx.location, nicId, ctx.tags, password);
  ctx.log.info(
    `Creating the build VM ${names.vm} (${settings.vm.size}${settings.vm.spot ? ', Spot' : ''}) from ${source.exact}`,
  );
  await runLro(ctx, { phase: PHASE, schedule: SCHEDULES.vmCreate }, (o) =>
    ctx.clients.compute.virtualMachines.createOrUpdate(names.resourceGroup, names.vm, definition, o),
  );
  return vmId;
}

/** Deletes a VM (with its disks and NIC, through their deleteOption). */
export function deleteVm(clients: AzureClients, ctx: LroContext, group: string, name: string): Promise<void> {
  return runLro(ctx, { phase: 'cleanup', schedule: SCHEDULES.vmDelete }, (o) =>
    clients.compute.virtualMachines.delete(group, name, o),
  );
}

export function deleteDisk(
  clients: AzureClients,
  ctx: LroContext,
  group: string,
  name: string,
): Promise<void> {
  return runLro(ctx, { phase: 'cleanup', schedule: SCHEDULES.delete }, (o) =>
    clients.compute.disks.delete(group, name, o),
  );
}
