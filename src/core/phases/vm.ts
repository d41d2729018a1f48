// Phase create-vm: the build VM, with no public IP (its NIC has none), a random admin password that is
// masked and never logged, and every disk and the NIC set to be deleted with it (facts §3: the
// default deleteOption is Detach, which leaves them behind).
import { randomInt } from 'node:crypto';
import type { VirtualMachine } from '@azure/arm-compute';
import type { AzureClients } from '../azure/clients.js';
import { BuildError } from '../azure/errors.js';
import { runLro, SCHEDULES, type LroContext } from '../azure/lro.js';
import { KIND } from '../ledger.js';
import type { Architecture, BuildSettings, ResolvedSource } from '../types.js';
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

/** The `vm-size` default (action.yml), an x64 size. */
export const DEFAULT_VM_SIZE = 'Standard_D2s_v5';
/** The size used instead of the default for Arm64 sources: the Arm64 (Ampere Altra) twin of the default. */
export const DEFAULT_ARM64_VM_SIZE = 'Standard_D2ps_v5';

/**
 * What a size name says, by Azure's naming convention (learn.microsoft.com virtual-machines/vm-naming-conventions):
 * `[Standard|Basic]_<family><vCPUs>[-<constrained>]<additive features>[_<accelerator>][_v<version>]`, where the
 * additive feature `p` means an Arm CPU. Undefined when the name does not follow the convention.
 */
export function parseVmSize(
  size: string,
): { family: string; features: string; version: number; architecture: Architecture } | undefined {
  const m = /^(?:Standard|Basic)_([A-Z]+)(\d+)(?:-\d+)?([a-z]*)((?:_[A-Za-z0-9]+)*)$/.exec(size);
  if (!m) return undefined;
  const [, family, , features, rest] = m;
  const v = /_v(\d+)$/.exec(rest);
  return {
    family,
    features,
    version: v ? Number(v[1]) : 1,
    architecture: features.includes('p') ? 'Arm64' : 'x64',
  };
}

/**
 * Sizes that attach disks over NVMe only: the v6 (and later) general-purpose and memory-optimized
 * families (size docs: Dsv6, Ddsv6, Dasv6, Dadsv6, Dalsv6, Dpsv6, Esv6… "NVMe only").
 */
export function sizeNeedsNvme(size: string): boolean {
  const p = parseVmSize(size);
  return !!p && /^[DE]$/.test(p.family) && p.version >= 6;
}

const supportsNvme = (source: ResolvedSource): boolean =>
  (source.diskControllerTypes ?? []).some((c) => c.toLowerCase() === 'nvme');

/**
 * The build VM's size for this source, or a BuildError saying why the chosen size cannot run it
 * (checked before anything is created). An Arm64 source with the default (x64) size gets
 * DEFAULT_ARM64_VM_SIZE; any other x64 size for an Arm64 source (or the reverse) is refused.
 */
export function buildVmSize(settings: BuildSettings, source: ResolvedSource): string {
  let size = settings.vm.size;
  const arch = parseVmSize(size)?.architecture;
  if (source.architecture === 'Arm64' && size === DEFAULT_VM_SIZE) size = DEFAULT_ARM64_VM_SIZE;
  else if (arch && arch !== source.architecture) {
    throw new BuildError(
      PHASE,
      'VmSizeArchitecture',
      `vm-size ${size} is an ${arch} size, but the base image ${source.exact} is ${source.architecture}. ` +
        (source.architecture === 'Arm64'
          ? `Set vm-size to an Arm64 size (a 'p' in its name, e.g. ${DEFAULT_ARM64_VM_SIZE}), or leave it unset.`
          : `Set vm-size to an x64 size (e.g. ${DEFAULT_VM_SIZE}), or use an Arm64 base image.`),
    );
  }
  if (sizeNeedsNvme(size) && source.diskControllerTypes && !supportsNvme(source)) {
    throw new BuildError(
      PHASE,
      'VmSizeNeedsNvme',
      `vm-size ${size} attaches disks over NVMe only, and the base image ${source.exact} supports ${source.diskControllerTypes.join(', ')}. Use a size with SCSI (e.g. a v5 size), or a base image that supports NVMe.`,
    );
  }
  return size;
}

/** Whether the build VM uses the NVMe disk controller: the size needs it, or the image supports nothing else. */
export function useNvme(size: string, source: ResolvedSource): boolean {
  const nvmeOnlyImage =
    source.diskControllerTypes?.length === 1 && source.diskControllerTypes[0].toLowerCase() === 'nvme';
  return nvmeOnlyImage || (sizeNeedsNvme(size) && supportsNvme(source));
}

/** Checks, before anything is created, that the build VM can be made for this source; returns its size. */
export function checkBuildVm(settings: BuildSettings, source: ResolvedSource): string {
  if (vmSecurityType(settings, source) === 'TrustedLaunch') {
    const problem = trustedLaunchProblem(source);
    if (problem)
      throw new BuildError(
        PHASE,
        'InvalidSecurityType',
        `${problem}. Set security-type: Standard, or use another base image.`,
      );
  }
  return buildVmSize(settings, source);
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
  const size = buildVmSize(settings, source);
  // A specialized disk (an imported specialized VHD) is attached as the OS disk, as Azure documents for
  // VMs from specialized disks; everything else boots from an image.
  const attach = source.attachOsDiskId;
  const vm: VirtualMachine = {
    location,
    tags: { ...tags, 'aib-source': source.exact.slice(0, 256) },
    hardwareProfile: { vmSize: size },
    storageProfile: {
      ...(attach ? {} : { imageReference: source.imageReference }),
      osDisk: attach
        ? {
            createOption: 'Attach',
            osType: source.osType,
            managedDisk: { id: attach },
            deleteOption: 'Delete',
          }
        : {
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
      ...(useNvme(size, source) ? { diskControllerType: 'NVMe' } : {}),
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
  const size = checkBuildVm(settings, source);
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
    `Creating the build VM ${names.vm} (${size}${settings.vm.spot ? ', Spot' : ''}) from ${source.exact}`,
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
