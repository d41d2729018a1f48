// Phase resolve-source: the exact base image and everything later phases need to know about it
// (OS type, Hyper-V generation, architecture, security type, disk controllers, purchase plan).
import type { GalleryImage, GalleryImageVersion, VirtualMachineImage } from '@azure/arm-compute';
import { BuildError, toBuildError } from '../azure/errors.js';
import { isResourceType, parseResourceId } from '../resource-id.js';
import type {
  Architecture,
  HyperVGeneration,
  OsType,
  PurchasePlan,
  ResolvedSource,
  SecurityType,
  SourceImage,
} from '../types.js';
import { resolveLiveVm } from './capture-live-vm.js';
import type { BuildContext } from './context.js';
import { parseVmSize } from './vm.js';

export const PHASE = 'resolve-source';

/** How the user named the source, for logs, tags and the manifest. */
export function describeSource(source: SourceImage): string {
  switch (source.kind) {
    case 'marketplace':
      return `${source.publisher}:${source.offer}:${source.sku}:${source.version}`;
    case 'vhd':
      return source.uri.split('?')[0];
    default:
      return source.id;
  }
}

/** Reads the features list of a Marketplace image or a gallery definition. */
export function readFeatures(features: { name?: string; value?: string }[] | undefined): {
  securityType: SecurityType;
  diskControllerTypes?: string[];
} {
  const get = (name: string): string | undefined =>
    features?.find((f) => f.name?.toLowerCase() === name.toLowerCase())?.value ?? undefined;
  const security = get('SecurityType');
  const known: SecurityType[] = [
    'Standard',
    'TrustedLaunch',
    'TrustedLaunchSupported',
    'TrustedLaunchAndConfidentialVmSupported',
  ];
  const securityType = known.find((k) => k.toLowerCase() === security?.toLowerCase()) ?? 'Standard';
  const controllers = get('DiskControllerTypes');
  return {
    securityType,
    ...(controllers
      ? {
          diskControllerTypes: controllers
            .split(',')
            .map((c) => c.trim())
            .filter(Boolean),
        }
      : {}),
  };
}

/** Highest Major.Minor.Patch first. */
export function compareVersionsDesc(a: string, b: string): number {
  const pa = a.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pb[i] ?? 0) - (pa[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The version of a definition that `latest` means: the highest one not excluded from latest and Succeeded. */
export function latestVersion(versions: GalleryImageVersion[]): GalleryImageVersion | undefined {
  return versions
    .filter((v) => v.publishingProfile?.excludeFromLatest !== true)
    .filter((v) => v.provisioningState === undefined || v.provisioningState === 'Succeeded')
    .sort((a, b) => compareVersionsDesc(a.name ?? '0', b.name ?? '0'))[0];
}

function planOf(
  plan: { name?: string; product?: string; publisher?: string } | undefined,
): PurchasePlan | undefined {
  return plan?.name && plan.product && plan.publisher
    ? { name: plan.name, product: plan.product, publisher: plan.publisher }
    : undefined;
}

export function fromMarketplaceImage(
  source: Extract<SourceImage, { kind: 'marketplace' }>,
  version: string,
  image: VirtualMachineImage,
): ResolvedSource {
  const exact = `${source.publisher}:${source.offer}:${source.sku}:${version}`;
  const plan = planOf(image.plan);
  return {
    source,
    exact,
    osType: (image.osDiskImage?.operatingSystem ?? 'Linux') as OsType,
    hyperVGeneration: (image.hyperVGeneration ?? 'V1') as HyperVGeneration,
    architecture: (image.architecture ?? 'x64') as Architecture,
    ...readFeatures(image.features),
    ...(plan ? { plan } : {}),
    imageReference: { publisher: source.publisher, offer: source.offer, sku: source.sku, version },
    osState: 'Generalized',
    ...(image.location ? { location: image.location } : {}),
  };
}

export function fromGalleryDefinition(
  source: SourceImage,
  versionId: string,
  definition: GalleryImage,
  versionLocation?: string,
): ResolvedSource {
  const plan = planOf(definition.purchasePlan);
  return {
    source,
    exact: versionId,
    osType: (definition.osType ?? 'Linux') as OsType,
    hyperVGeneration: (definition.hyperVGeneration ?? 'V1') as HyperVGeneration,
    architecture: (definition.architecture ?? 'x64') as Architecture,
    ...readFeatures(definition.features),
    ...(plan ? { plan } : {}),
    imageReference: { id: versionId },
    osState: definition.osState === 'Specialized' ? 'Specialized' : 'Generalized',
    ...(versionLocation ? { location: versionLocation } : {}),
  };
}

/**
 * A VHD source as the inputs describe it (the VHD is opaque to ARM). Its architecture is the build VM
 * size's (an Arm64 size for an Arm64 VHD); its security type Standard, since it is captured through a
 * managed image, which cannot hold Trusted Launch (facts §3).
 */
export function fromVhd(source: Extract<SourceImage, { kind: 'vhd' }>, vmSize: string): ResolvedSource {
  return {
    source,
    exact: source.uri.split('?')[0],
    osType: source.osType,
    hyperVGeneration: source.hyperVGeneration,
    architecture: parseVmSize(vmSize)?.architecture ?? 'x64',
    securityType: 'Standard',
    imageReference: {},
    osState: source.osState,
  };
}

export async function resolveSource(ctx: BuildContext): Promise<ResolvedSource> {
  const { compute } = ctx.clients;
  const source = ctx.settings.source;
  const o = { abortSignal: ctx.signal };
  try {
    switch (source.kind) {
      case 'marketplace': {
        let version = source.version;
        if (version.toLowerCase() === 'latest') {
          // The image GET rejects 'latest' (facts §7): ask for the newest version.
          const list = await compute.virtualMachineImages.list(
            ctx.location,
            source.publisher,
            source.offer,
            source.sku,
            {
              ...o,
              orderby: 'name desc',
              top: 1,
            },
          );
          const newest = list[0]?.name;
          if (!newest) {
            throw new BuildError(
              PHASE,
              'PlatformImageNotFound',
              `no version of ${describeSource(source)} exists in ${ctx.location}; check base-image and location`,
            );
          }
          version = newest;
        }
        const image = await compute.virtualMachineImages.get(
          ctx.location,
          source.publisher,
          source.offer,
          source.sku,
          version,
          o,
        );
        return fromMarketplaceImage(source, version, image);
      }
      case 'managedImage': {
        const rid = mustParse(source.id, ['images']);
        const image = await compute.images.get(rid.resourceGroup, rid.name, o);
        const os = image.storageProfile?.osDisk;
        return {
          source,
          exact: image.id ?? source.id,
          osType: (os?.osType ?? 'Linux') as OsType,
          hyperVGeneration: (image.hyperVGeneration ?? 'V1') as HyperVGeneration,
          architecture: 'x64',
          securityType: 'Standard',
          imageReference: { id: image.id ?? source.id },
          osState: os?.osState === 'Specialized' ? 'Specialized' : 'Generalized',
          location: image.location,
        };
      }
      case 'galleryImageVersion': {
        const rid = mustParse(source.id, ['galleries', 'images', 'versions']);
        const [g, d, v] = rid.path.map((p) => p.name);
        const [definition, version] = await Promise.all([
          compute.galleryImages.get(rid.resourceGroup, g, d, o),
          compute.galleryImageVersions.get(rid.resourceGroup, g, d, v, o),
        ]);
        return fromGalleryDefinition(source, version.id ?? source.id, definition, version.location);
      }
      case 'galleryImageDefinition': {
        const rid = mustParse(source.id, ['galleries', 'images']);
        const [g, d] = rid.path.map((p) => p.name);
        const definition = await compute.galleryImages.get(rid.resourceGroup, g, d, o);
        const versions: GalleryImageVersion[] = [];
        for await (const v of compute.galleryImageVersions.listByGalleryImage(rid.resourceGroup, g, d, o))
          versions.push(v);
        const latest = latestVersion(versions);
        if (!latest?.id) {
          throw new BuildError(
            PHASE,
            'NotFound',
            `gallery image definition ${source.id} has no usable version (none is Succeeded and not excluded from latest)`,
          );
        }
        return fromGalleryDefinition(source, latest.id, definition, latest.location);
      }
      case 'vhd':
        // Nothing to read yet: the blob is imported once the build resource group exists (import-vhd.ts).
        return fromVhd(source, ctx.settings.vm.size);
      case 'liveVm':
        return await resolveLiveVm(ctx, source);
    }
  } catch (err) {
    throw toBuildError(PHASE, err);
  }
}

function mustParse(id: string, types: string[]) {
  const rid = parseResourceId(id);
  if (!rid || !isResourceType(rid, 'Microsoft.Compute', ...types)) {
    throw new BuildError(
      PHASE,
      'InvalidSource',
      `'${id}' is not a Microsoft.Compute/${types.join('/')} resource ID`,
    );
  }
  return rid;
}

/**
 * Images with a purchase plan need accepted terms (facts §7: 400 ResourcePurchaseValidationFailed
 * otherwise, at VM create, minutes into the build). Checked up front; accepted when asked.
 */
export async function checkPlanTerms(ctx: BuildContext, resolved: ResolvedSource): Promise<void> {
  const plan = resolved.plan;
  if (!plan) return;
  try {
    if (await ctx.clients.marketplace.isAccepted(plan, ctx.signal)) return;
    if (!ctx.settings.acceptMarketplaceTerms) {
      throw new BuildError(
        PHASE,
        'MarketplaceTermsNotAccepted',
        `the base image ${resolved.exact} has purchase plan ${plan.publisher}/${plan.product}/${plan.name} whose terms are not accepted ` +
          `in subscription ${ctx.clients.subscriptionId}. Set accept-marketplace-terms: true, or run ` +
          `'az vm image terms accept --publisher ${plan.publisher} --offer ${plan.product} --plan ${plan.name}'`,
      );
    }
    ctx.log.info(`Accepting the Marketplace terms of plan ${plan.publisher}/${plan.product}/${plan.name}`);
    await ctx.clients.marketplace.accept(plan, ctx.signal);
  } catch (err) {
    throw toBuildError(PHASE, err);
  }
}
