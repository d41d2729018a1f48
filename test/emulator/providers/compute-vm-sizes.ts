// VM sizes the emulator knows, and the checks VM create makes against them (facts §3).
// Each size's generations / architecture / disk limit comes from the Azure size docs
// (learn.microsoft.com virtual-machines/sizes/*, "Generation 2 VMs" support table) or an error
// Azure really sent for it (cited per row). A size not in the table is rejected as Azure rejects
// an unknown size.
import { ArmError } from '../errors.js';

export interface VmSize {
  generations: ('V1' | 'V2')[];
  architecture: 'x64' | 'Arm64';
  maxDataDisks: number;
  /** v6 sizes attach disks over NVMe only (sizes docs, Dasv6/Dsv6 "NVMe only"); the image must support NVMe. */
  nvmeOnly?: boolean;
}

const both: ('V1' | 'V2')[] = ['V1', 'V2'];
const gen1: ('V1' | 'V2')[] = ['V1'];
const gen2: ('V1' | 'V2')[] = ['V2'];

export const VM_SIZES: Record<string, VmSize> = {
  // Gen1 only: Basic_A0 "cannot boot Hypervisor Generation '2'" (jenkinsci/azure-vm-agents-plugin#305);
  // Standard_D1_v2 (microsoft/ga4gh-tes#43); Standard_D2_v3 (dotnet/arcade#9371); Av2 not Gen2 (size docs).
  Basic_A0: { generations: gen1, architecture: 'x64', maxDataDisks: 1 },
  Standard_A2_v2: { generations: gen1, architecture: 'x64', maxDataDisks: 4 },
  Standard_D1_v2: { generations: gen1, architecture: 'x64', maxDataDisks: 4 },
  Standard_D2_v3: { generations: gen1, architecture: 'x64', maxDataDisks: 4 },
  // Gen1 and Gen2 (size docs).
  Standard_B1s: { generations: both, architecture: 'x64', maxDataDisks: 2 },
  Standard_B2s: { generations: both, architecture: 'x64', maxDataDisks: 4 },
  Standard_B2ms: { generations: both, architecture: 'x64', maxDataDisks: 4 },
  Standard_DS1_v2: { generations: both, architecture: 'x64', maxDataDisks: 4 },
  Standard_DS2_v2: { generations: both, architecture: 'x64', maxDataDisks: 8 },
  Standard_D2s_v3: { generations: both, architecture: 'x64', maxDataDisks: 4 },
  Standard_D4s_v3: { generations: both, architecture: 'x64', maxDataDisks: 8 },
  Standard_D2s_v5: { generations: both, architecture: 'x64', maxDataDisks: 4 },
  Standard_D4s_v5: { generations: both, architecture: 'x64', maxDataDisks: 8 },
  Standard_D2ds_v5: { generations: both, architecture: 'x64', maxDataDisks: 4 },
  Standard_D2as_v5: { generations: both, architecture: 'x64', maxDataDisks: 4 },
  Standard_F2s_v2: { generations: both, architecture: 'x64', maxDataDisks: 4 },
  Standard_E2s_v5: { generations: both, architecture: 'x64', maxDataDisks: 4 },
  // Gen2 only: Standard_D16ps_v5 "cannot boot Hypervisor Generation '1'" (GoogleCloudPlatform/PerfKitBenchmarker#3741);
  // Standard_D2ads_v6 (Dayzure/entra-gsa-labs#12); Standard_D16ads_v6 (redhat-developer/mapt#489);
  // Standard_NC24ads_A100_v4 (loft-sh/devpod#731). Dpsv5 / Dplsv5 are Arm64 (Ampere Altra, size docs).
  Standard_D2ps_v5: { generations: gen2, architecture: 'Arm64', maxDataDisks: 4 },
  Standard_D4ps_v5: { generations: gen2, architecture: 'Arm64', maxDataDisks: 8 },
  Standard_D16ps_v5: { generations: gen2, architecture: 'Arm64', maxDataDisks: 32 },
  Standard_D2pls_v5: { generations: gen2, architecture: 'Arm64', maxDataDisks: 4 },
  Standard_D2s_v6: { generations: gen2, architecture: 'x64', maxDataDisks: 8, nvmeOnly: true },
  Standard_D2ads_v6: { generations: gen2, architecture: 'x64', maxDataDisks: 8, nvmeOnly: true },
  Standard_D16ads_v6: { generations: gen2, architecture: 'x64', maxDataDisks: 32, nvmeOnly: true },
  Standard_NC24ads_A100_v4: { generations: gen2, architecture: 'x64', maxDataDisks: 8 },
};

/** The size entry, or 400 InvalidParameter as for a size Azure does not offer (text unverified). */
export function requireSize(vmSize: unknown): { name: string; size: VmSize } {
  const name = Object.keys(VM_SIZES).find(
    (k) => typeof vmSize === 'string' && k.toLowerCase() === vmSize.toLowerCase(),
  );
  if (!name) {
    throw new ArmError(
      400,
      'InvalidParameter',
      `The value ${String(vmSize)} provided for the VM size is not valid. The valid sizes in the current region are: ${Object.keys(VM_SIZES).join(',')}.`,
      undefined,
      'vmSize',
    );
  }
  return { name, size: VM_SIZES[name] };
}

export interface BootableImage {
  hyperVGeneration: 'V1' | 'V2';
  architecture: 'x64' | 'Arm64';
  /** Image feature DiskControllerTypes includes NVMe. */
  supportsNvme: boolean;
}

/** The size must boot the image (facts §3). */
export function checkSizeBootsImage(
  sizeName: string,
  size: VmSize,
  image: BootableImage,
  dataDiskCount: number,
): void {
  const gen = image.hyperVGeneration === 'V2' ? '2' : '1';
  if (!size.generations.includes(image.hyperVGeneration)) {
    // 400 BadRequest, text verbatim from loft-sh/devpod#731, mapt#489 (2023-2025).
    throw new ArmError(
      400,
      'BadRequest',
      `The selected VM size '${sizeName}' cannot boot Hypervisor Generation '${gen}'. If this was a Create operation please check that the Hypervisor Generation of the Image matches the Hypervisor Generation of the selected VM Size. If this was an Update operation please select a Hypervisor Generation '${gen}' VM Size. For more information, see https://aka.ms/azuregen2vm`,
    );
  }
  if (size.architecture !== image.architecture) {
    // Code and text unverified (no public error body found); modelled on the generation error.
    throw new ArmError(
      400,
      'BadRequest',
      `The selected VM size '${sizeName}' cannot boot an image with CPU architecture '${image.architecture}'. Please select a VM size that supports CPU architecture '${image.architecture}'.`,
    );
  }
  if (size.nvmeOnly && !image.supportsNvme) {
    // Code and text unverified; v6 sizes need an image tagged DiskControllerTypes NVMe (size docs).
    throw new ArmError(
      400,
      'BadRequest',
      `The selected VM size '${sizeName}' supports only the NVMe disk controller type, which the image does not support. Please select an image that supports NVMe or a VM size that supports SCSI.`,
    );
  }
  if (dataDiskCount > size.maxDataDisks) {
    // Code and text unverified; the limit per size is from the size docs.
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `The maximum number of data disks allowed to be attached to a VM of this size is ${size.maxDataDisks}.`,
      undefined,
      'dataDisks',
    );
  }
}

/** Gen1-only sizes cannot host Trusted Launch (azure-cli#28005: the November 2023 API message). */
export function checkSizeSupportsTrustedLaunch(sizeName: string, size: VmSize): void {
  if (!size.generations.includes('V2')) {
    throw new ArmError(
      400,
      'BadRequest',
      `The VM size '${sizeName}' is not supported for creation of VMs and Virtual Machine Scale Set with 'TrustedLaunch' security type. For more information, see https://aka.ms/TrustedLaunch-FAQ`,
    );
  }
}
