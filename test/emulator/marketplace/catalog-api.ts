// Pure request handlers for Microsoft.Compute VirtualMachineImages (publishers, offers, skus, versions, one
// version). They return exactly the bodies Azure returns; errors come back as ArmErrorLike for the HTTP layer.
// Sources for each rule: SOURCES.md beside this file.

import { Catalog, formatUrn, type CatalogImage, type ImagePlan, type Urn } from './catalog.js';

/** An error as the HTTP layer should send it: status plus {"error":{code,message,target?}}. */
export interface ArmErrorLike {
  status: number;
  code: string;
  message: string;
  target?: string;
}

export interface ApiOk<T> {
  status: 200;
  body: T;
}

export type ApiResult<T> = ApiOk<T> | ArmErrorLike;

export const isArmError = <T>(r: ApiResult<T>): r is ArmErrorLike => 'code' in r;

/** The wire body of an ArmErrorLike. */
export const armErrorBody = (
  e: ArmErrorLike,
): { error: { code: string; message: string; target?: string } } => ({
  error: { code: e.code, message: e.message, ...(e.target ? { target: e.target } : {}) },
});

/** List item of publishers / offers / skus / versions (VirtualMachineImageResource). */
export interface ImageResource {
  location: string;
  name: string;
  id: string;
}

/** VirtualMachineImage as Compute returns it from the GET (and from $expand=Properties). */
export interface VirtualMachineImageBody extends ImageResource {
  properties: {
    plan?: ImagePlan;
    hyperVGeneration: string;
    architecture: string;
    replicaType: 'Managed';
    replicaCount: number;
    disallowed: { vmDiskType: string };
    automaticOSUpgradeProperties: { automaticOSUpgradeSupported: boolean };
    imageDeprecationStatus: CatalogImage['imageDeprecationStatus'];
    features: { name: string; value: string }[];
    osDiskImage: { operatingSystem: string; sizeInGb: number };
    dataDiskImages: { lun: number }[];
  };
}

export interface ListVersionsQuery {
  /** `$orderby`: `name`, `name asc` or `name desc` (case-insensitive). Others are ignored (unverified). */
  orderby?: string;
  /** `$top` as received (string from the query string, or number). */
  top?: string | number;
  /** `$expand`: `Properties` returns full VirtualMachineImage objects. */
  expand?: string;
}

// Ids use Compute's capitalised segments, e.g. /Subscriptions/{s}/Providers/Microsoft.Compute/Locations/westus/
// Publishers/Canonical/ArtifactTypes/VMImage/Offers/…/Skus/…/Versions/… (REST docs "List platform image
// publishers/offers/skus/versions"; az vm image show output in MicrosoftDocs).
const publisherId = (sub: string, location: string, p: string): string =>
  `/Subscriptions/${sub}/Providers/Microsoft.Compute/Locations/${location}/Publishers/${p}`;
const offerId = (sub: string, location: string, p: string, o: string): string =>
  `${publisherId(sub, location, p)}/ArtifactTypes/VMImage/Offers/${o}`;
const skuId = (sub: string, location: string, p: string, o: string, s: string): string =>
  `${offerId(sub, location, p, o)}/Skus/${s}`;
const versionId = (sub: string, location: string, i: CatalogImage): string =>
  `${skuId(sub, location, i.publisher, i.offer, i.sku)}/Versions/${i.version}`;

// Errors. Image GET and list of an unknown artifact: 404 NotFound "Artifact: VMImage was not found."
// (clong/DetectionLab#729 `az vm image show`, Azure/vagrant-azure#147, danielsollondon/azvmimagebuilder#80 for
// versions?$orderby=name desc&$top=1, MicrosoftLearning 20533#251 for list-skus). Unknown publisher when listing
// offers: "Publisher: X was not found." (Azure/azure-cli#6622; status assumed 404 NotFound).
const artifactNotFound = (): ArmErrorLike => ({
  status: 404,
  code: 'NotFound',
  message: 'Artifact: VMImage was not found.',
});
const publisherNotFound = (p: string): ArmErrorLike => ({
  status: 404,
  code: 'NotFound',
  message: `Publisher: ${p} was not found.`,
});
// 'latest' (or any malformed version) on the GET: 400 InvalidParameter, target "version"
// (Azure/azure-powershell#15248 full response, 2021; Azure/azure-sdk-for-java#1392 quotes the older wording
// "The value of parameter 'version' is invalid."). A version part beyond int32 gets the same answer
// (Azure/azure-xplat-cli#2466: 15.04.201508290653 was listed but its GET said the version is invalid).
const invalidVersion = (): ArmErrorLike => ({
  status: 400,
  code: 'InvalidParameter',
  message: 'The value of parameter version is invalid.',
  target: 'version',
});

/** VM create with an image that does not exist (terraform-provider-azurerm#22065, clong/DetectionLab#729):
 * 404 PlatformImageNotFound, target imageReference. For the VM PUT, not for the image GET. */
export const platformImageNotFound = (urn: Urn): ArmErrorLike => ({
  status: 404,
  code: 'PlatformImageNotFound',
  message: `The platform image '${formatUrn(urn)}' is not available. Verify that all fields in the storage profile are correct. For more details about storage profile information, please refer to https://aka.ms/storageprofile`,
  target: 'imageReference',
});

const INT32_MAX = 2 ** 31 - 1;

/** Compute version names: three (or four) dot-separated 32-bit integers. */
export function isValidImageVersion(version: string): boolean {
  if (!/^\d+(\.\d+){2,3}$/.test(version)) return false;
  return version.split('.').every((part) => Number(part) <= INT32_MAX);
}

/** Numeric order of version parts (what VM create uses to resolve "latest"; ansible-collections/azure#2284
 * "ARM resolves to the SemVer-latest"). */
export function compareVersionsNumeric(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Ordinal string order of the version name: what `$orderby=name` does on Azure. 8.9.x sorts after 8.10.x
 * (Azure/azure-rest-api-specs#30142, ansible-collections/azure#1667: `orderby='name'` + last item picked
 * RHEL 8.9.2024022012 over 8.10.2024070513). */
export function compareVersionsOrdinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class CatalogApi {
  constructor(readonly catalog: Catalog = new Catalog()) {}

  /** GET …/locations/{location}/publishers */
  listPublishers(subscriptionId: string, location: string): ApiResult<ImageResource[]> {
    return ok(
      this.catalog
        .publishers()
        .map((p) => ({ location, name: p, id: publisherId(subscriptionId, location, p) })),
    );
  }

  /** GET …/publishers/{p}/artifacttypes/vmimage/offers */
  listOffers(subscriptionId: string, location: string, publisher: string): ApiResult<ImageResource[]> {
    const p = this.catalog.findPublisher(publisher);
    if (!p) return publisherNotFound(publisher);
    return ok(
      this.catalog.offers(p).map((o) => ({ location, name: o, id: offerId(subscriptionId, location, p, o) })),
    );
  }

  /** GET …/offers/{o}/skus */
  listSkus(
    subscriptionId: string,
    location: string,
    publisher: string,
    offer: string,
  ): ApiResult<ImageResource[]> {
    const p = this.catalog.findPublisher(publisher);
    const o = p && this.catalog.findOffer(p, offer);
    if (!p || !o) return artifactNotFound();
    return ok(
      this.catalog
        .skusOf(p, o)
        .map((s) => ({ location, name: s.sku, id: skuId(subscriptionId, location, p, o, s.sku) })),
    );
  }

  /** GET …/skus/{s}/versions[?$orderby=name desc&$top=1][&$expand=Properties]
   * Without $orderby the versions come in ascending string order (the order of the REST docs example;
   * unverified). With $expand=Properties each item is a full VirtualMachineImage; the response stays a JSON
   * array, which is what @azure/arm-compute 25 deserializes (the 2025-04-01 spec's {value,nextLink} wrapper
   * would break it). */
  listVersions(
    subscriptionId: string,
    location: string,
    publisher: string,
    offer: string,
    sku: string,
    query: ListVersionsQuery = {},
  ): ApiResult<ImageResource[] | VirtualMachineImageBody[]> {
    const images = this.catalog.images(publisher, offer, sku);
    if (images.length === 0) return artifactNotFound();
    const order = (query.orderby ?? '').trim().toLowerCase().split(/\s+/);
    const descending = order[0] === 'name' && order[1] === 'desc';
    const sorted = [...images].sort((a, b) => compareVersionsOrdinal(a.version, b.version));
    if (descending) sorted.reverse();
    const top = query.top === undefined || query.top === '' ? undefined : Number(query.top);
    const limited = top !== undefined && Number.isInteger(top) && top >= 0 ? sorted.slice(0, top) : sorted;
    if ((query.expand ?? '').toLowerCase() === 'properties') {
      return ok(limited.map((i) => imageBody(subscriptionId, location, i)));
    }
    return ok(
      limited.map((i) => ({ location, name: i.version, id: versionId(subscriptionId, location, i) })),
    );
  }

  /** GET …/skus/{s}/versions/{version}. "latest" is rejected: only VM create resolves it (facts §7). */
  getImageVersion(
    subscriptionId: string,
    location: string,
    publisher: string,
    offer: string,
    sku: string,
    version: string,
  ): ApiResult<VirtualMachineImageBody> {
    if (!isValidImageVersion(version)) return invalidVersion();
    const image = this.catalog.image(publisher, offer, sku, version);
    if (!image) return artifactNotFound();
    return ok(imageBody(subscriptionId, location, image));
  }

  /** The version VM create picks for "latest": the highest by numeric version parts. */
  resolveLatest(publisher: string, offer: string, sku: string): CatalogImage | undefined {
    const images = this.catalog.images(publisher, offer, sku);
    return images.reduce<CatalogImage | undefined>(
      (best, i) => (!best || compareVersionsNumeric(i.version, best.version) > 0 ? i : best),
      undefined,
    );
  }

  /** For the VM PUT: resolve an imageReference {publisher, offer, sku, version|latest} to one catalog image
   * (its version is the VM's `imageReference.exactVersion`), or PlatformImageNotFound. */
  resolveForVmCreate(ref: Urn): CatalogImage | ArmErrorLike {
    const image =
      ref.version.toLowerCase() === 'latest'
        ? this.resolveLatest(ref.publisher, ref.offer, ref.sku)
        : this.catalog.image(ref.publisher, ref.offer, ref.sku, ref.version);
    return image ?? platformImageNotFound(ref);
  }
}

const ok = <T>(body: T): ApiOk<T> => ({ status: 200, body });

// Property order and extra fields (replicaType, replicaCount, osDiskImage.sizeInGb) follow the real REST body
// for Canonical 22_04-lts-gen2 22.04.202309080 quoted in the MicrosoftDocs trusted-launch FAQ; `plan` placement
// follows the spec example VirtualMachineImage_Get_MaximumSet_Gen.json. Absent plan: the key is omitted.
function imageBody(subscriptionId: string, location: string, i: CatalogImage): VirtualMachineImageBody {
  return {
    properties: {
      ...(i.plan ? { plan: { ...i.plan } } : {}),
      hyperVGeneration: i.hyperVGeneration,
      architecture: i.architecture,
      replicaType: 'Managed',
      replicaCount: 10,
      disallowed: { vmDiskType: i.disallowedVmDiskType },
      automaticOSUpgradeProperties: { automaticOSUpgradeSupported: i.automaticOSUpgradeSupported },
      imageDeprecationStatus: { ...i.imageDeprecationStatus },
      features: i.features.map((f) => ({ ...f })),
      osDiskImage: { operatingSystem: i.osType, sizeInGb: i.osDiskSizeInGb },
      dataDiskImages: i.dataDiskImages.map((d) => ({ ...d })),
    },
    location,
    name: i.version,
    id: versionId(subscriptionId, location, i),
  };
}
