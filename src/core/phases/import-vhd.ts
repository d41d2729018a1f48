// Phase import-vhd: a VHD blob (base-image = its URL, e.g. a disk built with Hyper-V and uploaded) becomes
// something a VM can start from, in the build resource group:
// - the blob is imported as a managed disk (creationData Import with sourceUri and storageAccountId;
//   SPECS Disk_Create_ByImportingBlobFromTheSameSubscription.json; storageAccountId is required:
//   "Required parameter 'storageAccountId' is missing (null).", ansible-collections/azure#394), with the
//   OS type and Hyper-V generation of the inputs (a VHD says neither);
// - Generalized: a temporary managed image is made from that disk (storageProfile.osDisk.managedDisk.id,
//   osState Generalized; SPECS Image_CreateFromAManagedDisk.json) and the build VM boots from it, with an
//   osProfile like any generalized image (facts §3);
// - Specialized: the disk is attached as the build VM's OS disk (createOption Attach, no osProfile), as
//   Azure creates VMs from specialized disks (learn.microsoft.com virtual-machines/attach-os-disk).
// Both the disk and the image are temporary: recorded in the ledger before they are requested.
import { runLro, SCHEDULES } from '../azure/lro.js';
import { KIND } from '../ledger.js';
import type { ResolvedSource } from '../types.js';
import { buildResourceId, type BuildContext } from './context.js';

export const PHASE = 'import-vhd';

export async function importVhd(ctx: BuildContext, resolved: ResolvedSource): Promise<ResolvedSource> {
  const source = resolved.source;
  if (source.kind !== 'vhd') return resolved;
  const { compute } = ctx.clients;
  const group = ctx.names.resourceGroup;
  const diskName = `${ctx.names.vm}-vhd`;
  const diskId = buildResourceId(ctx, 'Microsoft.Compute', 'disks', diskName);
  ctx.ledger.record(diskId, KIND.disk);
  ctx.log.info(`Importing the VHD ${resolved.exact} as the managed disk ${diskName}`);
  await runLro(ctx, { phase: PHASE, schedule: SCHEDULES.diskImport }, (o) =>
    compute.disks.createOrUpdate(
      group,
      diskName,
      {
        location: ctx.location,
        tags: ctx.tags,
        osType: source.osType,
        hyperVGeneration: source.hyperVGeneration,
        creationData: {
          createOption: 'Import',
          sourceUri: source.uri,
          storageAccountId: source.storageAccountId,
        },
      },
      o,
    ),
  );
  if (source.osState === 'Specialized') return { ...resolved, attachOsDiskId: diskId };

  const imageName = `${ctx.names.vm}-vhd-image`;
  const imageId = buildResourceId(ctx, 'Microsoft.Compute', 'images', imageName);
  ctx.ledger.record(imageId, KIND.image);
  ctx.log.info(`Making the temporary managed image ${imageName} of the imported disk`);
  const image = await runLro(ctx, { phase: PHASE, schedule: SCHEDULES.managedImage }, (o) =>
    compute.images.createOrUpdate(
      group,
      imageName,
      {
        location: ctx.location,
        tags: ctx.tags,
        hyperVGeneration: source.hyperVGeneration,
        storageProfile: {
          osDisk: { osType: source.osType, osState: 'Generalized', managedDisk: { id: diskId } },
        },
      },
      o,
    ),
  );
  return { ...resolved, imageReference: { id: image.id ?? imageId } };
}
