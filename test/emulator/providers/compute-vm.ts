// Microsoft.Compute virtual machines: create/update (PUT), get (with instanceView), list, delete
// honouring each deleteOption, power actions, synchronous generalize, Spot eviction, and the
// guest behind each VM. Rules and their sources: test/emulator/docs/compute.md; each rule below
// names its source (facts § = /work/shared/reference/azure-arm-facts.md).
import { randomUUID } from 'node:crypto';
import { ArmError, badRequest, invalidParameter, operationNotAllowed } from '../errors.js';
import { typeOfId, view, type ArmResource } from '../store.js';
import { checkPlanForVmCreate } from '../marketplace/terms.js';
import { deleteHooks } from './resources.js';
import { requireSize, checkSizeBootsImage, checkSizeSupportsTrustedLaunch } from './compute-vm-sizes.js';
import { attachedDiskSource, resolveSource, type VmSource } from './compute-vm-source.js';
import { marketplaceOf } from './marketplace.js';
import { attachNic, detachNic, getNic, removeNic, requireLinkedAccess } from './network.js';
import { dropDiskDir, IMAGE_TYPES } from './image-sources.js';
import {
  bootGuest,
  disposeRuntime,
  guestDirOf,
  requireVm,
  runtimeOf,
  runtimesUnder,
  vmIdOf,
  type PowerState,
} from './compute-vm-state.js';
import { runCommandRoutes } from './run-commands.js';
import { stopAzurite } from '../azurite.js';
import { WindowsGuest } from '../guest/index.js';
import type { EmulatorCore } from '../core.js';
import type { ArmRequest, ArmResponse, RouteDef } from '../router.js';

export { guestDefaults } from './compute-vm-state.js';

const VM_TYPE = 'Microsoft.Compute/virtualMachines';
const DISK_TYPE = 'Microsoft.Compute/disks';
// Compute resource names: 1-64 characters (Linux) / 1-15 computer name for Windows; letters, digits,
// '-', '_', '.' (learn.microsoft.com azure-resource-manager/management/resource-name-rules).
const VM_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
/** A VM that boots a generalized image whose guest was never deprovisioned times out after 40 min
 * (MicrosoftDocs/SupportArticles-docs#1787: CRP waits 40 minutes for the guest's ready signal). */
const OS_PROVISIONING_TIMEOUT_MS = 40 * 60 * 1000;
/** An update (re-PUT) of an existing VM: no recorded figure; a few seconds (unverified). */
const VM_UPDATE_MS = 3000;

const DISPLAY: Record<PowerState, string> = {
  starting: 'VM starting',
  running: 'VM running',
  stopping: 'VM stopping',
  stopped: 'VM stopped',
  deallocating: 'VM deallocating',
  deallocated: 'VM deallocated',
};

export function computeVmRoutes(core: EmulatorCore): RouteDef[] {
  deleteHooks(core).push((gid) => {
    for (const rt of runtimesUnder(core, gid)) disposeRuntime(core, rt.vmId, true);
  });
  const vmPath = '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{vm}';
  const power = (action: 'deallocate' | 'powerOff' | 'start' | 'restart'): RouteDef => ({
    method: 'POST',
    path: `${vmPath}/${action}`,
    // Facts §5: start/restart/powerOff count as UpdateVM; deallocate as DeleteVM.
    computePolicy: action === 'deallocate' ? 'DeleteVM' : 'UpdateVM',
    handler: (req) => powerAction(core, req, action),
  });
  return [
    { method: 'PUT', path: vmPath, computePolicy: 'PutVM', handler: (req) => putVm(core, req) },
    {
      method: 'GET',
      path: vmPath,
      computePolicy: (req) => (expandsInstanceView(req) ? 'HighCostGet' : 'LowCostGet'),
      handler: (req) => {
        const vm = requireVm(core, req.params.sub, req.params.rg, req.params.vm);
        return { status: 200, body: vmBody(core, vm, expandsInstanceView(req)) };
      },
    },
    {
      method: 'GET',
      path: `${vmPath}/instanceView`,
      computePolicy: 'HighCostGet',
      handler: (req) => ({
        status: 200,
        body: instanceView(core, requireVm(core, req.params.sub, req.params.rg, req.params.vm)),
      }),
    },
    {
      method: 'GET',
      path: '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines',
      computePolicy: 'HighCostGet',
      handler: (req) => {
        const g = core.requireGroup(req.params.sub, req.params.rg, false);
        return {
          status: 200,
          body: {
            value: core.store
              .listChildren(`${g.id}/providers/Microsoft.Compute`, VM_TYPE)
              .map((vm) => vmBody(core, vm, false)),
          },
        };
      },
    },
    {
      method: 'GET',
      path: '/subscriptions/{sub}/providers/Microsoft.Compute/virtualMachines',
      computePolicy: 'HighCostGet',
      handler: (req) => ({
        status: 200,
        body: {
          value: core.store
            .list(`/subscriptions/${req.params.sub}/`)
            .filter((r) => r.type === VM_TYPE)
            .map((vm) => vmBody(core, vm, false)),
        },
      }),
    },
    { method: 'DELETE', path: vmPath, computePolicy: 'DeleteVM', handler: (req) => deleteVm(core, req) },
    power('deallocate'),
    power('powerOff'),
    power('start'),
    power('restart'),
    {
      method: 'POST',
      path: `${vmPath}/generalize`,
      computePolicy: 'UpdateVM',
      handler: (req) => generalize(core, req),
    },
    ...runCommandRoutes(core),
  ];
}

export async function startComputeVm(_core: EmulatorCore): Promise<void> {
  // Azurite starts on first use (azuriteOf); nothing to start eagerly.
}

export async function stopComputeVm(core: EmulatorCore): Promise<void> {
  for (const rt of runtimesUnder(core, '')) disposeRuntime(core, rt.vmId, false);
  await stopAzurite(core);
}

const expandsInstanceView = (req: ArmRequest): boolean =>
  (req.query.get('$expand') ?? '').toLowerCase() === 'instanceview';

// ------------------------------------------------------------------ PUT

function putVm(core: EmulatorCore, req: ArmRequest): ArmResponse {
  const { sub, rg, vm: name } = req.params;
  core.requireGroup(sub, rg);
  if (!VM_NAME.test(name))
    throw new ArmError(
      400,
      'InvalidParameter',
      `The virtual machine name '${name}' is invalid.`,
      undefined,
      'name',
    );
  const id = vmIdOf(sub, rg, name);
  const body = req.body ?? {};
  const props = body.properties ?? {};
  const existing = core.store.get(id);
  const location = core.requireLocation(body.location, 'virtualMachines');
  checkLinkedAccess(req, props);
  if (existing) return updateVm(core, req, existing, body, location);

  const { name: vmSize, size } = requireSize(props.hardwareProfile?.vmSize);
  const attachOsDisk = props.storageProfile?.osDisk?.createOption === 'Attach';
  const source = attachOsDisk
    ? attachedDiskSource(core, props.storageProfile.osDisk, props.storageProfile.imageReference, location)
    : resolveSource(core, props.storageProfile?.imageReference, location);
  // osProfile rules (facts §3): required for generalized sources, forbidden for specialized ones.
  if (source.osState === 'Generalized' && !props.osProfile) {
    throw invalidParameter("Required parameter 'osProfile' is missing (null).", 'osProfile');
  }
  if (source.osState === 'Specialized' && props.osProfile)
    throw invalidParameter("Parameter 'osProfile' is not allowed.", 'osProfile');
  if (props.osProfile && source.osState === 'Generalized' && !props.osProfile.adminUsername) {
    throw invalidParameter(
      "Required parameter 'osProfile.adminUsername' is missing (null).",
      'osProfile.adminUsername',
    );
  }
  const dataDisks: any[] = props.storageProfile?.dataDisks ?? [];
  checkSizeBootsImage(vmSize, size, source, dataDisks.length + source.dataDisks.length);
  const securityType = checkSecurity(source, props.securityProfile, vmSize, size);
  checkSpot(props);
  checkDataDisks(dataDisks);
  const nics = checkNics(core, id, props.networkProfile, location);
  // Purchase plans (facts §7): terms not accepted -> 400 on the PUT; missing plan -> asynchronous failure.
  const planFailure = checkPlanForVmCreate({
    subscriptionId: sub,
    vmId: id,
    imagePlan: source.plan,
    requestPlan: body.plan,
    imageReference:
      source.kind === 'marketplace'
        ? (source.imageReference as { publisher: string; offer: string; sku: string })
        : undefined,
    isAccepted: (s, p, prod, plan) => marketplaceOf(core).terms.isAccepted(s, p, prod, plan),
  });
  if (planFailure?.delivery === 'sync')
    throw new ArmError(
      planFailure.status,
      planFailure.code,
      planFailure.message,
      undefined,
      planFailure.target,
    );
  // The VM takes its NICs at once (a second VM on the same NIC gets 400 NicInUse from network.ts), and
  // an attached OS disk (a second VM on it gets 409 from attachedDiskSource).
  for (const n of nics) attachNic(core, n.id, id);
  if (attachOsDisk) {
    const disk = core.store.get(source.sourceImageId)!;
    disk.managedBy = id;
    disk.properties = { ...disk.properties, diskState: 'Attached' };
  }

  // An attached OS disk keeps its name and ID; an image's OS disk is a new disk named by Azure's pattern.
  const osDiskName = attachOsDisk
    ? source.sourceImageId.split('/').pop()!
    : (props.storageProfile?.osDisk?.name ?? `${name}_OsDisk_1_${randomUUID().replace(/-/g, '')}`);
  const osDiskId = attachOsDisk
    ? source.sourceImageId
    : `/subscriptions/${sub}/resourceGroups/${rg}/providers/${DISK_TYPE}/${osDiskName}`;
  const now = core.clock.nowIso();
  const vm: ArmResource = {
    id,
    name,
    type: VM_TYPE,
    location,
    ...(body.tags ? { tags: body.tags } : {}),
    ...(body.plan ? { plan: body.plan } : {}),
    ...(body.zones ? { zones: body.zones } : {}),
    properties: {
      vmId: randomUUID(),
      hardwareProfile: { vmSize },
      ...(props.securityProfile ? { securityProfile: props.securityProfile } : {}),
      storageProfile: {
        ...(source.imageReference ? { imageReference: source.imageReference } : {}),
        osDisk: {
          osType: source.osType,
          name: osDiskName,
          createOption: attachOsDisk ? 'Attach' : 'FromImage',
          caching: props.storageProfile?.osDisk?.caching ?? 'ReadWrite',
          managedDisk: {
            storageAccountType:
              props.storageProfile?.osDisk?.managedDisk?.storageAccountType ?? 'Premium_LRS',
            id: osDiskId,
          },
          deleteOption: props.storageProfile?.osDisk?.deleteOption ?? 'Detach',
          diskSizeGB: props.storageProfile?.osDisk?.diskSizeGB ?? source.osDiskSizeGB,
        },
        dataDisks: dataDisks.map((d) => dataDiskOf(sub, rg, name, d)),
        diskControllerType: props.storageProfile?.diskControllerType ?? (size.nvmeOnly ? 'NVMe' : 'SCSI'),
      },
      ...(props.osProfile ? { osProfile: osProfileEcho(props.osProfile, name, source.osType) } : {}),
      networkProfile: {
        networkInterfaces: nics.map((n) => ({
          id: n.id,
          properties: {
            ...(n.primary !== undefined ? { primary: n.primary } : {}),
            deleteOption: n.deleteOption,
          },
        })),
      },
      ...(props.priority ? { priority: props.priority } : {}),
      ...(props.priority === 'Spot' || props.priority === 'Low'
        ? { evictionPolicy: props.evictionPolicy ?? 'Deallocate' }
        : {}),
      ...(props.billingProfile ? { billingProfile: props.billingProfile } : {}),
      ...(props.diagnosticsProfile ? { diagnosticsProfile: props.diagnosticsProfile } : {}),
      provisioningState: 'Creating',
      timeCreated: now,
    },
    internal: {
      osType: source.osType,
      hyperVGeneration: source.hyperVGeneration,
      securityType,
      architecture: source.architecture,
      ...(source.plan ? { plan: source.plan } : {}),
      osState: source.osState,
      generalized: false,
      powerState: 'starting' as PowerState,
      guestDir: guestDirOf(core, id),
      dataDisks: [
        ...source.dataDisks,
        ...dataDisks.map((d) => ({ lun: d.lun, diskSizeGB: d.diskSizeGB ?? 0 })),
      ],
      sourceImageId: source.sourceImageId,
    },
  };
  core.store.put(vm);
  // A VM from a generalized image whose guest was not deprovisioned fails with OSProvisioningTimedOut
  // after CRP's timeout (facts §3); the VM stays, running, in provisioningState Failed.
  const notPrepared =
    source.osState === 'Generalized' && source.diskDir !== undefined && source.deprovisioned === false;
  const headers = core.lro.start({
    req,
    provider: 'Microsoft.Compute',
    location,
    durationMs: notPrepared ? OS_PROVISIONING_TIMEOUT_MS : core.ms('vmCreate'),
    headers: 'azure-async',
    retryAfterSeconds: 10,
    complete: async () => {
      if (planFailure) throw new ArmError(planFailure.status, planFailure.code, planFailure.message);
      await provision(core, vm, source);
      if (notPrepared) throw osProvisioningTimedOut(name);
      vm.properties!.provisioningState = 'Succeeded';
      return undefined;
    },
    onFailed: () => {
      vm.properties!.provisioningState = 'Failed';
      if (!runtimeOf(core, vm.id).guest) vm.internal!.powerState = 'deallocated';
    },
  });
  return { status: 201, body: vmBody(core, vm, false), headers };
}

/** Text verbatim from MicrosoftDocs/azure-docs#38609 and hashicorp/packer#4221 (the guest agent answered, but the image was not generalized). */
function osProvisioningTimedOut(name: string): ArmError {
  return new ArmError(
    409,
    'OSProvisioningTimedOut',
    `OS Provisioning for VM '${name}' did not finish in the allotted time. However, the VM guest agent was detected running. This suggests the guest OS has not been properly prepared to be used as a VM image (with CreateOption=FromImage). To resolve this issue, either use the VHD as is with CreateOption=Attach or prepare it properly for use as an image:\r\n * Instructions for Windows: https://azure.microsoft.com/documentation/articles/virtual-machines-windows-upload-image/ \r\n * Instructions for Linux: https://azure.microsoft.com/documentation/articles/virtual-machines-linux-capture-image/ `,
  );
}

/** Boots the guest and creates the VM's disks (Microsoft.Compute/disks documents). */
async function provision(core: EmulatorCore, vm: ArmResource, source: VmSource): Promise<void> {
  const guest = await bootGuest(core, vm, source.diskDir);
  // A generalized, deprovisioned image is provisioned afresh (new machine identity); specialized stays as captured.
  if (source.osState === 'Generalized' && source.deprovisioned) await guest.markProvisioned();
  runtimeOf(core, vm.id).agentReadyAt = core.clock.now();
  vm.internal!.powerState = 'running';
  const p = vm.properties!;
  const os = p.storageProfile.osDisk;
  if (source.kind === 'disk') bootedFromDisk(core, vm, os.managedDisk.id);
  else
    core.store.put(
      diskDoc(
        core,
        vm,
        os.managedDisk.id,
        os.diskSizeGB,
        os.managedDisk.storageAccountType,
        {
          osType: source.osType,
          hyperVGeneration: source.hyperVGeneration,
          creationData: {
            createOption: 'FromImage',
            ...(source.kind === 'marketplace'
              ? { imageReference: { id: marketplaceImageId(core, vm, source) } }
              : { galleryImageReference: { id: source.sourceImageId } }),
          },
        },
        {
          diskDir: guestDirOf(core, vm.id),
          deprovisioned: false,
          osType: source.osType,
          osState: 'Specialized',
          hyperVGeneration: source.hyperVGeneration,
          securityType: vm.internal!.securityType,
          architecture: source.architecture,
          ...(source.plan ? { plan: source.plan } : {}),
          dataDisks: [],
        },
      ),
    );
  for (const d of p.storageProfile.dataDisks as any[]) {
    if (d.createOption === 'Attach') {
      const disk = core.store.get(d.managedDisk.id);
      if (disk) disk.managedBy = vm.id;
      continue;
    }
    core.store.put(
      diskDoc(
        core,
        vm,
        d.managedDisk.id,
        d.diskSizeGB,
        d.managedDisk.storageAccountType,
        { creationData: { createOption: 'Empty' } },
        { dataDisks: [] },
      ),
    );
  }
}

/**
 * An attached OS disk now holds the VM's guest: its content is the guest directory from here on (captures
 * of the disk go through the VM while attached, image-sources.ts captureSource; after a Detach the disk
 * keeps the guest as it was left).
 */
function bootedFromDisk(core: EmulatorCore, vm: ArmResource, diskId: string): void {
  const disk = core.store.get(diskId);
  if (!disk) return;
  disk.internal = {
    ...(disk.internal ?? { deprovisioned: false, dataDisks: [] }),
    diskDir: guestDirOf(core, vm.id),
    osType: vm.internal!.osType,
    osState: 'Specialized',
    hyperVGeneration: vm.internal!.hyperVGeneration,
  };
}

/**
 * ARM's linked access checks for a VM PUT (network.ts requireLinkedAccess; 403 LinkedAuthorizationFailed):
 * - each NIC needs Microsoft.Network/networkInterfaces/join/action (the action the built-in roles
 *   Virtual Machine Contributor and Windows 365 Network Interface Contributor grant for joining VMs to
 *   NICs; LinkedAuthorizationFailed bodies quote the same frame for other join actions);
 * - a custom source image needs read on it: Microsoft.Compute/images/read (usri/deploy_DevOps_Server_AzureSQL#1),
 *   …/galleries/images/versions/read (Azure/aad-pod-identity#752, Azure/AKS#2040, MicrosoftDocs/azure-docs#68563)
 *   or, for a definition (= its latest version), …/galleries/images/read (Azure/bicep#17206); those reports
 *   quote VM and scale-set writes failing with LinkedAuthorizationFailed naming these actions.
 */
function checkLinkedAccess(req: ArmRequest, props: any): void {
  for (const n of props.networkProfile?.networkInterfaces ?? []) {
    if (typeof n?.id === 'string' && n.id)
      requireLinkedAccess(req, 'Microsoft.Network/networkInterfaces/join/action', n.id);
  }
  const imageId = props.storageProfile?.imageReference?.id;
  if (typeof imageId !== 'string' || !imageId) return;
  const read: Record<string, string> = {
    [IMAGE_TYPES.image]: 'Microsoft.Compute/images/read',
    [IMAGE_TYPES.version]: 'Microsoft.Compute/galleries/images/versions/read',
    [IMAGE_TYPES.definition]: 'Microsoft.Compute/galleries/images/read',
  };
  const action = read[(typeOfId(imageId) ?? '').toLowerCase()];
  if (action) requireLinkedAccess(req, action, imageId);
}

function marketplaceImageId(core: EmulatorCore, vm: ArmResource, s: VmSource): string {
  const r = s.imageReference as Record<string, string>;
  return `/Subscriptions/${core.config.subscriptionId}/Providers/Microsoft.Compute/Locations/${vm.location}/Publishers/${r.publisher}/ArtifactTypes/VMImage/Offers/${r.offer}/Skus/${r.sku}/Versions/${r.exactVersion}`;
}

function diskDoc(
  core: EmulatorCore,
  vm: ArmResource,
  id: string,
  sizeGB: number,
  sku: string,
  extra: Record<string, unknown>,
  internal: Record<string, unknown>,
): ArmResource {
  return {
    id,
    name: id.split('/').pop()!,
    type: DISK_TYPE,
    location: vm.location,
    managedBy: vm.id,
    sku: { name: sku, tier: sku.startsWith('Premium') ? 'Premium' : 'Standard' },
    properties: {
      ...extra,
      diskSizeGB: sizeGB,
      diskState: 'Attached',
      provisioningState: 'Succeeded',
      timeCreated: core.clock.nowIso(),
    },
    internal,
  };
}

function dataDiskOf(sub: string, rg: string, vmName: string, d: any): Record<string, unknown> {
  const name =
    d.name ??
    d.managedDisk?.id?.split('/').pop() ??
    `${vmName}_disk${d.lun + 2}_${randomUUID().replace(/-/g, '')}`;
  return {
    lun: d.lun,
    name,
    createOption: d.createOption,
    caching: d.caching ?? 'None',
    managedDisk: {
      storageAccountType: d.managedDisk?.storageAccountType ?? 'Premium_LRS',
      id: d.managedDisk?.id ?? `/subscriptions/${sub}/resourceGroups/${rg}/providers/${DISK_TYPE}/${name}`,
    },
    deleteOption: d.deleteOption ?? 'Detach',
    diskSizeGB: d.diskSizeGB,
    toBeDetached: false,
  };
}

function osProfileEcho(p: any, vmName: string, osType: string): Record<string, unknown> {
  // adminPassword is never returned (ComputeRP spec: "adminPassword" is write-only; PYREC bodies lack it).
  const { adminPassword: _secret, customData: _custom, ...rest } = p;
  return {
    computerName: p.computerName ?? vmName,
    ...rest,
    ...(osType === 'Linux'
      ? {
          linuxConfiguration: {
            disablePasswordAuthentication: false,
            provisionVMAgent: true,
            ...(p.linuxConfiguration ?? {}),
          },
        }
      : {
          windowsConfiguration: {
            provisionVMAgent: true,
            enableAutomaticUpdates: true,
            ...(p.windowsConfiguration ?? {}),
          },
        }),
    secrets: p.secrets ?? [],
    allowExtensionOperations: p.allowExtensionOperations ?? true,
    requireGuestProvisionSignal: true,
  };
}

function checkSecurity(
  source: VmSource,
  securityProfile: any,
  vmSize: string,
  size: ReturnType<typeof requireSize>['size'],
): string {
  const wanted = securityProfile?.securityType;
  const tlCapable = /^TrustedLaunch/i.test(source.securityFeature ?? '');
  if (wanted === 'TrustedLaunch') {
    checkSizeSupportsTrustedLaunch(vmSize, size);
    // azure-cli#27975 (400 BadRequest, 2023 wording; the image name is not in the body seen there).
    if (!tlCapable || source.hyperVGeneration !== 'V2') {
      throw badRequest(
        'BadRequest',
        'Use of TrustedLaunch setting is not supported for the provided image. Please select Trusted Launch Supported Gen2 OS Image. For more information, see https://aka.ms/TrustedLaunch-FAQ.',
      );
    }
    return 'TrustedLaunch';
  }
  if (wanted && wanted !== 'Standard') {
    throw invalidParameter(
      `The value '${wanted}' of parameter 'securityProfile.securityType' is not supported by this emulator.`,
      'securityProfile.securityType',
    );
  }
  // A gallery definition with SecurityType TrustedLaunch only makes Trusted Launch VMs
  // (Azure/build-vm-image#32, microsoft/STL#3159; code unverified, assumed BadRequest).
  if (source.securityFeature === 'TrustedLaunch') {
    throw badRequest(
      'BadRequest',
      "The provided gallery image only supports creation of VMs and VM Scale Sets with 'TrustedLaunch' security type.",
    );
  }
  return 'Standard';
}

function checkSpot(props: any): void {
  const p = props.priority;
  if (p !== undefined && !['Regular', 'Low', 'Spot'].includes(p)) {
    throw invalidParameter(`The value '${p}' of parameter 'priority' is not valid.`, 'priority');
  }
  // evictionPolicy applies to Spot only (spec: "For Azure Spot virtual machines … the only supported value is 'Deallocate'
  // and 'Delete'"); the text for misuse is unverified.
  if (props.evictionPolicy !== undefined) {
    if (p !== 'Spot' && p !== 'Low')
      throw invalidParameter(
        'Eviction policy can be set only on Azure Spot Virtual Machines.',
        'evictionPolicy',
      );
    if (!['Deallocate', 'Delete'].includes(props.evictionPolicy)) {
      throw invalidParameter(
        `The value '${props.evictionPolicy}' of parameter 'evictionPolicy' is not valid.`,
        'evictionPolicy',
      );
    }
  }
}

function checkDataDisks(disks: any[]): void {
  const luns = new Set<number>();
  for (const d of disks) {
    // LUN 0-63 (spec "lun": "must be unique for each data disk attached to a VM"); texts unverified.
    if (!Number.isInteger(d?.lun) || d.lun < 0 || d.lun > 63)
      throw invalidParameter("Required parameter 'dataDisk.lun' is missing or invalid.", 'dataDisks');
    if (luns.has(d.lun)) throw invalidParameter(`A disk at LUN ${d.lun} already exists.`, 'dataDisks');
    luns.add(d.lun);
    if (d.createOption === 'Empty') {
      if (!(Number.isInteger(d.diskSizeGB) && d.diskSizeGB > 0))
        throw invalidParameter("Required parameter 'dataDisk.diskSizeGB' is missing (null).", 'dataDisks');
    } else if (d.createOption === 'Attach') {
      if (!d.managedDisk?.id)
        throw invalidParameter(
          "Required parameter 'dataDisk.managedDisk.id' is missing (null).",
          'dataDisks',
        );
    } else {
      throw invalidParameter(
        `The value '${d.createOption}' of parameter 'dataDisk.createOption' is not supported by this emulator (Empty, Attach).`,
        'dataDisks',
      );
    }
  }
}

interface NicRef {
  id: string;
  primary?: boolean;
  deleteOption: 'Delete' | 'Detach';
}

function checkNics(core: EmulatorCore, vmId: string, networkProfile: any, location: string): NicRef[] {
  const list: any[] = networkProfile?.networkInterfaces ?? [];
  if (list.length === 0)
    throw invalidParameter("Required parameter 'networkProfile' is missing (null).", 'networkProfile');
  return list.map((n) => {
    const nic = typeof n?.id === 'string' ? getNic(core, n.id) : undefined;
    // The NIC must exist in the VM's region. ARM's reference error (InvalidResourceReference, as the network
    // RP words it: azure-quickstart-templates#2824); Compute's own wording unverified.
    if (!nic || (nic.location ?? '').toLowerCase() !== location) {
      throw new ArmError(
        400,
        'InvalidResourceReference',
        `Resource ${n?.id} referenced by resource ${vmId} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`,
        [{ code: 'NotFound', message: `Resource ${n?.id} not found.` }],
      );
    }
    return {
      id: nic.id,
      primary: n.properties?.primary ?? n.primary,
      deleteOption: n.properties?.deleteOption ?? n.deleteOption ?? 'Detach',
    };
  });
}

function updateVm(
  core: EmulatorCore,
  req: ArmRequest,
  vm: ArmResource,
  body: any,
  location: string,
): ArmResponse {
  if (vm.location !== location) {
    throw new ArmError(
      409,
      'InvalidResourceLocation',
      `The resource '${vm.name}' already exists in location '${vm.location}' in resource group '${req.params.rg}'. A resource with the same name cannot be created in location '${location}'. Please select a new resource name.`,
    );
  }
  const p = vm.properties!;
  if (p.provisioningState === 'Creating' || p.provisioningState === 'Deleting') {
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `Operation 'PUT' is not allowed on VM '${vm.name}' since the VM is ${p.provisioningState === 'Creating' ? 'being created' : 'marked for deletion'}.`,
    );
  }
  const ref = body.properties?.storageProfile?.imageReference;
  const old = p.storageProfile.imageReference;
  // Changing the image of an existing VM: 409 PropertyChangeNotAllowed "Changing property '…' is not allowed." (Compute's wording for immutable properties).
  if (
    ref &&
    JSON.stringify({ ...ref, exactVersion: undefined }) !==
      JSON.stringify({ ...old, exactVersion: undefined })
  ) {
    throw new ArmError(
      409,
      'PropertyChangeNotAllowed',
      "Changing property 'imageReference' is not allowed.",
      undefined,
      'imageReference',
    );
  }
  if (body.tags) vm.tags = body.tags;
  p.provisioningState = 'Updating';
  const headers = core.lro.start({
    req,
    provider: 'Microsoft.Compute',
    location,
    durationMs: VM_UPDATE_MS,
    headers: 'azure-async',
    complete: () => {
      p.provisioningState = 'Succeeded';
      return undefined;
    },
    onFailed: () => {
      p.provisioningState = 'Failed';
    },
  });
  return { status: 200, body: vmBody(core, vm, false), headers };
}

// ------------------------------------------------------------------ GET / instanceView

function vmBody(core: EmulatorCore, vm: ArmResource, withInstanceView: boolean): unknown {
  const body = view(vm);
  if (withInstanceView) body.properties = { ...body.properties, instanceView: instanceView(core, vm) };
  return body;
}

/** VirtualMachineInstanceView (shape from PYREC / SPECS VirtualMachine_Get_InstanceView example). */
export function instanceView(core: EmulatorCore, vm: ArmResource): Record<string, unknown> {
  const i = vm.internal ?? {};
  const p = vm.properties ?? {};
  const time = core.clock.nowIso();
  const ps = String(p.provisioningState ?? 'Succeeded');
  const statuses: Record<string, unknown>[] = [
    ps === 'Failed'
      ? { code: 'ProvisioningState/failed', level: 'Error', displayStatus: 'Provisioning failed', time }
      : {
          code: `ProvisioningState/${ps.toLowerCase()}`,
          level: 'Info',
          displayStatus: ps === 'Succeeded' ? 'Provisioning succeeded' : ps,
          ...(ps === 'Succeeded' ? { time } : {}),
        },
  ];
  // OSState/generalized after the generalize call (facts §3; PYREC instance view after generalize).
  if (i.generalized)
    statuses.push({ code: 'OSState/generalized', level: 'Info', displayStatus: 'VM generalized' });
  const power: PowerState = i.powerState ?? 'running';
  statuses.push({ code: `PowerState/${power}`, level: 'Info', displayStatus: DISPLAY[power] });
  const rt = runtimeOf(core, vm.id);
  const agentUp = rt.guest !== undefined && power === 'running' && core.clock.now() >= rt.agentReadyAt;
  const os = p.storageProfile?.osDisk;
  return {
    computerName: p.osProfile?.computerName ?? vm.name,
    osName: i.osType === 'Windows' ? 'Windows Server' : 'Linux',
    vmAgent: {
      vmAgentVersion: agentUp ? (i.osType === 'Windows' ? '2.7.41491.1102' : '2.9.1.1') : 'Unknown',
      statuses: agentUp
        ? [
            {
              code: 'ProvisioningState/succeeded',
              level: 'Info',
              displayStatus: 'Ready',
              message: 'Guest Agent is running',
              time,
            },
          ]
        : [
            {
              code: 'ProvisioningState/Unavailable',
              level: 'Warning',
              displayStatus: 'Not Ready',
              message: 'VM status blob is found but not yet populated.',
              time,
            },
          ],
    },
    disks: [os, ...(p.storageProfile?.dataDisks ?? [])].filter(Boolean).map((d: any) => ({
      name: d.name,
      statuses: [
        {
          code: 'ProvisioningState/succeeded',
          level: 'Info',
          displayStatus: 'Provisioning succeeded',
          time,
        },
      ],
    })),
    hyperVGeneration: i.hyperVGeneration,
    statuses,
  };
}

// ------------------------------------------------------------------ power, generalize

function powerAction(
  core: EmulatorCore,
  req: ArmRequest,
  action: 'deallocate' | 'powerOff' | 'start' | 'restart',
): ArmResponse {
  const vm = requireVm(core, req.params.sub, req.params.rg, req.params.vm);
  const i = vm.internal!;
  const p = vm.properties!;
  if (p.provisioningState === 'Creating' || p.provisioningState === 'Deleting') {
    throw operationNotAllowed(
      `Operation '${action}' is not allowed on VM '${vm.name}' since the VM is ${p.provisioningState === 'Creating' ? 'being created' : 'marked for deletion'}.`,
    );
  }
  // azure-powershell#2818: a generalized VM cannot start again.
  if ((action === 'start' || action === 'restart') && i.generalized) {
    throw operationNotAllowed(
      `Operation '${action}' is not allowed on VM '${vm.name}' since the VM is generalized.`,
    );
  }
  // restart needs a running VM (pattern of terraform-provider-azurerm#28218 "Operation 'powerOff' is not allowed on VM … since the VM is …"; text unverified).
  if (action === 'restart' && i.powerState !== 'running') {
    throw operationNotAllowed(
      `Operation 'restart' is not allowed on VM '${vm.name}' since the VM is ${i.powerState}.`,
    );
  }
  const rt = runtimeOf(core, vm.id);
  const guest = rt.guest;
  const transition: Record<typeof action, [PowerState, PowerState, number]> = {
    deallocate: ['deallocating', 'deallocated', i.powerState === 'deallocated' ? 0 : core.ms('deallocate')],
    powerOff: [
      'stopping',
      'stopped',
      i.powerState === 'stopped' || i.powerState === 'deallocated' ? 0 : core.ms('powerOff'),
    ],
    start: ['starting', 'running', i.powerState === 'running' ? 0 : core.ms('start')],
    restart: ['starting', 'running', core.ms('restart')],
  };
  const [during, after, durationMs] = transition[action];
  const before: PowerState = i.powerState;
  if (action === 'powerOff' && before === 'deallocated') {
    // powerOff of a deallocated VM leaves it deallocated.
  } else if (durationMs > 0) {
    i.powerState = during;
  }
  p.provisioningState = 'Updating';
  if (action === 'deallocate' || action === 'powerOff') {
    // Stopping the VM kills what runs inside it.
    for (const c of rt.running.values()) c.abort();
    if (guest instanceof WindowsGuest) guest.powerOff();
  }
  if (action === 'start' || action === 'restart') rt.agentReadyAt = core.clock.now() + durationMs;
  const headers = core.lro.start({
    req,
    provider: 'Microsoft.Compute',
    location: vm.location!,
    durationMs,
    headers: 'both',
    complete: async () => {
      if (!(action === 'powerOff' && before === 'deallocated')) i.powerState = after;
      p.provisioningState = 'Succeeded';
      if ((action === 'start' || action === 'restart') && guest instanceof WindowsGuest)
        await guest.restart();
      return undefined;
    },
    onFailed: () => {
      i.powerState = before;
      p.provisioningState = 'Succeeded';
    },
  });
  return { status: 202, headers };
}

function generalize(core: EmulatorCore, req: ArmRequest): ArmResponse {
  const vm = requireVm(core, req.params.sub, req.params.rg, req.params.vm);
  const state: PowerState = vm.internal!.powerState;
  // Facts §3 (azure-docs#86809; 409 OperationNotAllowed assumed): only a stopped or deallocated VM.
  if (state !== 'stopped' && state !== 'deallocated') {
    throw operationNotAllowed(
      `Operation 'generalize' is not allowed on VM '${vm.name}' since the VM is running. Please stop the VM and retry the operation.`,
    );
  }
  // Synchronous: 200 with an empty body, no LRO headers (facts §2, PYREC). ARM never checks that
  // waagent or sysprep ran; that shows later as OSProvisioningTimedOut.
  vm.internal!.generalized = true;
  return { status: 200 };
}

// ------------------------------------------------------------------ DELETE, eviction

function deleteVm(core: EmulatorCore, req: ArmRequest): ArmResponse {
  const { sub, rg, vm: name } = req.params;
  core.requireGroup(sub, rg, false);
  const vm = core.store.get(vmIdOf(sub, rg, name));
  // Facts §2: 204 when absent.
  if (!vm) return { status: 204 };
  const wasDeallocated = vm.internal?.powerState === 'deallocated';
  vm.properties!.provisioningState = 'Deleting';
  const headers = core.lro.start({
    req,
    provider: 'Microsoft.Compute',
    location: vm.location!,
    durationMs: core.ms(wasDeallocated ? 'vmDeleteDeallocated' : 'vmDeleteRunning'),
    headers: 'both',
    complete: () => {
      teardown(core, vm, false);
      return undefined;
    },
    onFailed: () => {
      vm.properties!.provisioningState = 'Failed';
    },
  });
  return { status: 202, headers };
}

/**
 * Removes a VM and what its deleteOptions say (facts §3: OS disk, data disks and NICs are kept,
 * detached, unless their deleteOption is Delete). `deleteDisks` forces disk deletion (Spot eviction
 * with the Delete policy deletes the disks: learn.microsoft.com virtual-machines/spot-vms).
 */
function teardown(core: EmulatorCore, vm: ArmResource, deleteDisks: boolean): void {
  const p = vm.properties!;
  const os = p.storageProfile?.osDisk;
  const osDeleted = deleteDisks || os?.deleteOption === 'Delete';
  disposeRuntime(core, vm.id, osDeleted);
  const release = (diskId: string | undefined, remove: boolean): void => {
    if (!diskId) return;
    if (remove) {
      core.store.delete(diskId);
      return;
    }
    const disk = core.store.get(diskId);
    if (disk) {
      delete disk.managedBy;
      disk.properties = { ...disk.properties, diskState: 'Unattached' };
    }
  };
  release(os?.managedDisk?.id, osDeleted);
  // A deleted OS disk that was attached (createOption Attach) takes its own captured directory along.
  if (osDeleted && os?.managedDisk?.id) void dropDiskDir(core, os.managedDisk.id);
  for (const d of p.storageProfile?.dataDisks ?? [])
    release(d.managedDisk?.id, deleteDisks || d.deleteOption === 'Delete');
  for (const n of p.networkProfile?.networkInterfaces ?? []) {
    if (n.properties?.deleteOption === 'Delete') removeNic(core, n.id);
    else detachNic(core, n.id);
  }
  for (const child of core.store.list(vm.id + '/')) core.store.delete(child.id);
  core.store.delete(vm.id);
}

/**
 * Test hook: Azure evicts a Spot VM. Policy Deallocate: the VM is deallocated (scripts die, run
 * commands need a running VM again); policy Delete: the VM and its disks are deleted (later calls
 * get 404). Source: learn.microsoft.com virtual-machines/spot-vms ("Eviction policy").
 */
export function evictVm(core: EmulatorCore, vmId: string): void {
  const vm = core.store.get(vmId);
  if (!vm || vm.type !== VM_TYPE) throw new Error(`No VM ${vmId}`);
  const priority = vm.properties?.priority;
  if (priority !== 'Spot' && priority !== 'Low') throw new Error(`VM ${vmId} is not a Spot VM`);
  if (vm.properties?.evictionPolicy === 'Delete') {
    teardown(core, vm, true);
    return;
  }
  const rt = runtimeOf(core, vm.id);
  for (const c of rt.running.values()) c.abort();
  if (rt.guest instanceof WindowsGuest) rt.guest.powerOff();
  vm.internal!.powerState = 'deallocated';
}

/** The captured disk of a VM (PROVIDERS.md contract): copies the guest's disk into destDir. */
export async function captureVmDisk(
  core: EmulatorCore,
  vmId: string,
  destDir: string,
): Promise<{
  deprovisioned: boolean;
  osType: 'Linux' | 'Windows';
  hyperVGeneration: 'V1' | 'V2';
  securityType: string;
  architecture: 'x64' | 'Arm64';
  plan?: { name: string; product: string; publisher: string };
  dataDisks: { lun: number; diskSizeGB: number }[];
}> {
  const vm = core.store.get(vmId);
  const guest = vm ? runtimeOf(core, vm.id).guest : undefined;
  if (!vm || !guest) throw new Error(`VM ${vmId} has no disk to capture`);
  await guest.snapshot(destDir);
  const i = vm.internal!;
  return {
    deprovisioned: guest.deprovisioned,
    osType: i.osType,
    hyperVGeneration: i.hyperVGeneration,
    securityType: i.securityType,
    architecture: i.architecture,
    ...(i.plan ? { plan: i.plan } : {}),
    dataDisks: i.dataDisks ?? [],
  };
}
