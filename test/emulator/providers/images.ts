// Microsoft.Compute/images: managed images (behaviours and sources: docs/images-galleries.md).
// - PUT answers 201 (200 when it replaces an image) with provisioningState "Creating" and an
//   Azure-AsyncOperation header (…/locations/{loc}/operations/{id}); the SDK then GETs the image.
//   The facts (§2) mark this as unverified ("assume like other Compute PUTs"): IMAGE_PUT below
//   holds the status, headers and latency in one place so they are easy to change.
// - Sources: properties.sourceVirtualMachine.id (SPECS Image_CreateFromAVM.json) or
//   storageProfile.osDisk {snapshot | managedDisk} (+ dataDisks) with osType and osState.
// - DELETE answers 202 with Azure-AsyncOperation and Location; GET / list by group / list by subscription.
import { ArmError, invalidParameter, notFound, operationNotAllowed } from '../errors.js';
import { groupId, parseResourceId, view, type ArmResource } from '../store.js';
import type { EmulatorCore } from '../core.js';
import type { ArmRequest, RouteDef } from '../router.js';
import {
  IMAGE_TYPES,
  captureSource,
  defined,
  startDelete,
  normRegion,
  requireSameLocation,
  type CapturedImage,
  type SourceCapture,
} from './image-sources.js';

/** How an image PUT answers (facts §2: unverified, assumed like a VM PUT). */
const IMAGE_PUT = { createdStatus: 201, headers: 'azure-async', latency: 'managedImageCreate' } as const;

const IMAGE_NAME = /^[a-zA-Z0-9](?:[\w.-]{0,78}[\w])?$/;

export function imagesRoutes(core: EmulatorCore): RouteDef[] {
  const base = '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/images';
  const idOf = (req: ArmRequest) =>
    `${groupId(req.params.sub, req.params.rg)}/providers/Microsoft.Compute/images/${req.params.image}`;
  const get = (req: ArmRequest): ArmResource => {
    const r = core.store.get(idOf(req));
    if (!r) throw notFound('Microsoft.Compute/images', req.params.image, req.params.rg);
    return r;
  };
  return [
    { method: 'PUT', path: `${base}/{image}`, handler: (req) => putImage(core, req, idOf(req)) },
    {
      method: 'GET',
      path: `${base}/{image}`,
      computePolicy: 'LowCostGet',
      handler: (req) => ({ status: 200, body: view(get(req)) }),
    },
    {
      method: 'PATCH',
      path: `${base}/{image}`,
      handler: (req) => {
        const r = get(req);
        if (req.body?.tags) r.tags = req.body.tags;
        return { status: 200, body: view(r) };
      },
    },
    {
      method: 'DELETE',
      path: `${base}/{image}`,
      handler: (req) => startDelete(core, req, idOf(req), 'imageDelete'),
    },
    {
      method: 'GET',
      path: base,
      handler: (req) => {
        core.requireGroup(req.params.sub, req.params.rg, false);
        const value = core.store
          .list(`${groupId(req.params.sub, req.params.rg)}/providers/`)
          .filter((r) => r.type.toLowerCase() === IMAGE_TYPES.image);
        return { status: 200, body: { value: value.map(view) } };
      },
    },
    {
      method: 'GET',
      path: '/subscriptions/{sub}/providers/Microsoft.Compute/images',
      handler: (req) => ({
        status: 200,
        body: {
          value: core.store
            .list(`/subscriptions/${req.params.sub}/`)
            .filter((r) => r.type.toLowerCase() === IMAGE_TYPES.image)
            .map(view),
        },
      }),
    },
  ];
}

async function putImage(core: EmulatorCore, req: ArmRequest, id: string) {
  const { sub, rg, image } = req.params;
  core.requireGroup(sub, rg);
  if (!IMAGE_NAME.test(image)) {
    throw invalidParameter(
      `The resource name '${image}' is invalid. It can contain letters, digits, '_', '.' and '-', must start with a letter or digit and end with a letter, digit or '_'.`,
      'imageName',
    );
  }
  const location = core.requireLocation(req.body?.location, 'images');
  const existing = core.store.get(id);
  requireSameLocation(existing, location, rg, image);
  const props = req.body?.properties ?? {};
  const requestedGen: string = props.hyperVGeneration ?? 'V1';
  if (requestedGen !== 'V1' && requestedGen !== 'V2') {
    throw invalidParameter(
      `The value '${requestedGen}' of parameter 'hyperVGeneration' is invalid. Allowed values are 'V1' and 'V2'.`,
      'hyperVGeneration',
    );
  }
  const vmId: string | undefined = props.sourceVirtualMachine?.id;
  const osDisk = props.storageProfile?.osDisk;
  let capture: SourceCapture;
  let storageProfile: Record<string, unknown>;
  if (vmId) {
    capture = await captureFromVm(core, vmId, id, location, requestedGen);
    storageProfile = {
      osDisk: defined({
        osType: capture.osType,
        osState: 'Generalized',
        managedDisk: {
          id: `${vmId.split('/providers/')[0]}/providers/Microsoft.Compute/disks/${vmId.split('/').pop()}_OsDisk_1`,
        },
        caching: 'ReadWrite',
        diskSizeGB: capture.osDiskSizeGB,
        storageAccountType: 'Standard_LRS',
      }),
      dataDisks: capture.dataDisks.map((d) => ({
        lun: d.lun,
        diskSizeGB: d.diskSizeGB,
        caching: 'None',
        storageAccountType: 'Standard_LRS',
      })),
      zoneResilient: props.storageProfile?.zoneResilient ?? false,
    };
  } else if (osDisk) {
    capture = await captureFromDisks(core, req, id, location);
    storageProfile = { ...props.storageProfile, zoneResilient: props.storageProfile?.zoneResilient ?? false };
    capture.hyperVGeneration = requestedGen as CapturedImage['hyperVGeneration'];
  } else {
    // Modelled: the image has no source (no Azure text found).
    throw invalidParameter(
      "Either 'properties.sourceVirtualMachine' or 'properties.storageProfile.osDisk' must be specified.",
      'properties',
    );
  }
  const internal: CapturedImage = {
    diskDir: capture.diskDir,
    deprovisioned: capture.deprovisioned,
    osType: capture.osType,
    osState: capture.osState,
    hyperVGeneration: requestedGen as CapturedImage['hyperVGeneration'],
    securityType: capture.securityType,
    architecture: capture.architecture,
    plan: capture.plan,
    dataDisks: capture.dataDisks,
    osDiskSizeGB: capture.osDiskSizeGB,
  };
  const resource = core.store.put({
    id,
    name: existing?.name ?? image,
    type: 'Microsoft.Compute/images',
    location,
    ...(req.body?.tags ? { tags: req.body.tags } : {}),
    properties: {
      ...(vmId ? { sourceVirtualMachine: { id: vmId } } : {}),
      storageProfile,
      provisioningState: 'Creating',
      hyperVGeneration: requestedGen,
    },
    internal,
  });
  const headers = core.lro.start({
    req,
    provider: 'Microsoft.Compute',
    location,
    durationMs: core.ms(IMAGE_PUT.latency),
    headers: IMAGE_PUT.headers,
    complete: () => {
      resource.properties!.provisioningState = 'Succeeded';
      return undefined;
    },
    onFailed: () => {
      resource.properties!.provisioningState = 'Failed';
    },
  });
  return { status: existing ? 200 : IMAGE_PUT.createdStatus, body: view(resource), headers };
}

/**
 * Facts §3: the VM must exist in the image's region, be generalized, not be Trusted
 * Launch, and have the requested Hyper-V generation (V1 when the request has none).
 */
async function captureFromVm(
  core: EmulatorCore,
  vmId: string,
  ownerId: string,
  location: string,
  requestedGen: string,
): Promise<SourceCapture> {
  const vm = core.store.get(vmId);
  const vmName = parseResourceId(vmId)?.names.at(-1) ?? vmId;
  if (!vm || vm.type.toLowerCase() !== IMAGE_TYPES.vm || normRegion(vm.location) !== location) {
    // 404 NotFound with this text when the VM is elsewhere (azure-docs#78704, #79975).
    throw new ArmError(
      404,
      'NotFound',
      `Source Virtual Machine '${vmName}' specified in the request does not exist in this Azure location.`,
    );
  }
  if (vm.internal?.generalized !== true) {
    throw operationNotAllowed(
      `The operation 'Create Image' requires the Virtual Machine '${vmName}' to be Generalized.`,
    );
  }
  if (vm.internal?.securityType === 'TrustedLaunch') {
    // hashicorp/packer#13189 (code OperationNotAllowed; status assumed 409 like the other OperationNotAllowed errors).
    throw operationNotAllowed(
      'Creation of managed images are not supported for virtual machine with TrustedLaunch security type.',
    );
  }
  const vmGen: string = vm.internal?.hyperVGeneration ?? 'V1';
  if (vmGen !== requestedGen) {
    throw invalidParameter(
      `The Input HyperVGeneration property: '${requestedGen}' does not match with the HyperVGeneration property: 'Gen${vmGen.slice(1)}' belonging to source: 'sourceVirtualMachine'.`,
      'hyperVGeneration',
    );
  }
  const capture = await captureSource(core, vmId, ownerId);
  return { ...capture!, osState: 'Generalized' };
}

/** storageProfile.osDisk / dataDisks from snapshots or managed disks in the same region. */
async function captureFromDisks(
  core: EmulatorCore,
  req: ArmRequest,
  ownerId: string,
  location: string,
): Promise<SourceCapture> {
  const sp = req.body.properties.storageProfile;
  const osDisk = sp.osDisk;
  if (osDisk.osType !== 'Linux' && osDisk.osType !== 'Windows') {
    throw invalidParameter("Required parameter 'osDisk.osType' is missing (null).", 'osDisk.osType');
  }
  if (osDisk.osState !== 'Generalized' && osDisk.osState !== 'Specialized') {
    throw invalidParameter("Required parameter 'osDisk.osState' is missing (null).", 'osDisk.osState');
  }
  if (osDisk.blobUri && !osDisk.snapshot && !osDisk.managedDisk) {
    throw invalidParameter(
      'The emulator does not model managed images from VHD blobs: import the blob as a managed disk and use storageProfile.osDisk.managedDisk.',
      'osDisk.blobUri',
    );
  }
  const sourceId: string | undefined = osDisk.snapshot?.id ?? osDisk.managedDisk?.id;
  const source = sourceId ? core.store.get(sourceId) : undefined;
  if (!sourceId || !source || normRegion(source.location) !== location) {
    // Modelled on the VM text above (azure-docs#78704); code/text for disks unverified.
    throw new ArmError(
      404,
      'NotFound',
      `Source '${sourceId ?? ''}' specified in the request does not exist in this Azure location.`,
    );
  }
  const capture = await captureSource(core, sourceId, ownerId);
  if (!capture)
    throw new ArmError(
      404,
      'NotFound',
      `Source '${sourceId}' specified in the request does not exist in this Azure location.`,
    );
  const dataDisks: { lun: number; diskSizeGB: number }[] = [];
  for (const d of (sp.dataDisks ?? []) as {
    lun: number;
    diskSizeGB?: number;
    snapshot?: { id: string };
    managedDisk?: { id: string };
  }[]) {
    const dId = d.snapshot?.id ?? d.managedDisk?.id;
    const dRes = dId ? core.store.get(dId) : undefined;
    if (!dRes)
      throw new ArmError(
        404,
        'NotFound',
        `Source '${dId ?? ''}' specified in the request does not exist in this Azure location.`,
      );
    dataDisks.push({ lun: d.lun, diskSizeGB: d.diskSizeGB ?? dRes.properties?.diskSizeGB ?? 0 });
  }
  return { ...capture, osType: osDisk.osType, osState: osDisk.osState, dataDisks };
}
