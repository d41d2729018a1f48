// The emulated Azure Marketplace image catalog: real publishers, offers and skus that users type, each with
// several versions. Every rule and value names its source; SOURCES.md beside this file collects them.
//
// Shapes (osDiskImage, hyperVGeneration, architecture, features, plan, automaticOSUpgradeProperties,
// imageDeprecationStatus, disallowed): specification/compute/resource-manager/Microsoft.Compute/ComputeRP/stable/
// 2025-04-01/virtualMachineImage.json (Azure/azure-rest-api-specs), and real GET bodies quoted in the docs
// (MicrosoftDocs trusted-launch FAQ "How can I validate that my OS image supports trusted launch?").

export type OsType = 'Linux' | 'Windows';
export type HyperVGeneration = 'V1' | 'V2';
export type Architecture = 'x64' | 'Arm64';

/** PurchasePlan (spec: publisher, name, product all required). */
export interface ImagePlan {
  name: string;
  product: string;
  publisher: string;
}

export interface ImageFeature {
  name: string;
  value: string;
}

export interface ImageDeprecationStatus {
  imageState: 'Active' | 'ScheduledForDeprecation' | 'Deprecated';
  scheduledDeprecationTime?: string;
  alternativeOption?: { type: 'None' | 'Offer' | 'Plan'; value: string };
}

/** One published image version, fully resolved (sku-level defaults applied). */
export interface CatalogImage {
  publisher: string;
  offer: string;
  sku: string;
  version: string;
  osType: OsType;
  hyperVGeneration: HyperVGeneration;
  architecture: Architecture;
  features: ImageFeature[];
  osDiskSizeInGb: number;
  dataDiskImages: { lun: number }[];
  plan?: ImagePlan;
  automaticOSUpgradeSupported: boolean;
  imageDeprecationStatus: ImageDeprecationStatus;
  /** disallowed.vmDiskType: current images say "Unmanaged" (real bodies quoted in SOURCES.md). */
  disallowedVmDiskType: 'None' | 'Unmanaged';
}

/** Terms metadata for a plan (Microsoft.MarketplaceOrdering). */
export interface PlanTerms {
  plan: ImagePlan;
  /** Illustrative link; the real value is publisher-specific (unverified). */
  privacyPolicyLink: string;
}

export interface CatalogSku {
  publisher: string;
  offer: string;
  sku: string;
  osType: OsType;
  hyperVGeneration: HyperVGeneration;
  architecture: Architecture;
  features: ImageFeature[];
  osDiskSizeInGb: number;
  dataDiskImages?: { lun: number }[];
  plan?: ImagePlan;
  automaticOSUpgradeSupported?: boolean;
  /** Versions as Azure names them; per-version deprecation overrides are optional. */
  versions: (string | { version: string; imageDeprecationStatus: ImageDeprecationStatus })[];
}

const feature = (name: string, value: string): ImageFeature => ({ name, value });

// Feature sets. GEN2_TL and WIN_GEN2_TL_CVM are verbatim from real GET bodies:
// - Canonical 22_04-lts-gen2 22.04.202309080 / 22.04.202510230: SecurityType=TrustedLaunchSupported,
//   IsAcceleratedNetworkSupported=True, DiskControllerTypes="SCSI, NVMe", IsHibernateSupported=True
//   (MicrosoftDocs trusted-launch FAQ; cloud-barista listing of AustraliaCentral, 2025-10).
// - MicrosoftWindowsServer 2022-datacenter-azure-edition 20348.1906.230803:
//   SecurityType=TrustedLaunchAndConfidentialVmSupported + the same three (MicrosoftDocs trusted-launch FAQ).
// GEN1 and ARM64 are modelled (unverified): Trusted Launch needs Gen2 (hence no SecurityType on Gen1); NVMe
// needs Gen2 (hence no DiskControllerTypes on Gen1).
const GEN2_TL: ImageFeature[] = [
  feature('SecurityType', 'TrustedLaunchSupported'),
  feature('IsAcceleratedNetworkSupported', 'True'),
  feature('DiskControllerTypes', 'SCSI, NVMe'),
  feature('IsHibernateSupported', 'True'),
];
const WIN_GEN2_TL_CVM: ImageFeature[] = [
  feature('SecurityType', 'TrustedLaunchAndConfidentialVmSupported'),
  feature('IsAcceleratedNetworkSupported', 'True'),
  feature('DiskControllerTypes', 'SCSI, NVMe'),
  feature('IsHibernateSupported', 'True'),
];
const GEN1: ImageFeature[] = [feature('IsAcceleratedNetworkSupported', 'True')];
const ARM64: ImageFeature[] = [
  feature('IsAcceleratedNetworkSupported', 'True'),
  feature('DiskControllerTypes', 'SCSI, NVMe'),
];

// Version strings follow each publisher's real scheme:
// Canonical 22.04.YYYYMMDDn (22.04.202410020, brief; 22.04.202510230, listing above), Debian 0.YYYYMMDD.build
// (0.20241004.1892, brief), Windows build.revision.YYMMDD (20348.2762.241006, brief; 20348.1906.230803, docs),
// RedHat 8.9.2024022012 and 8.10.2024070513 (Azure/azure-rest-api-specs#30142), resf 9.3.20231113,
// 9.6.20250531, 9.8.20260525 (public Terraform / Packer configurations). Intermediate versions are illustrative.
const JAMMY = ['22.04.202409110', '22.04.202410020', '22.04.202411010'];
const NOBLE = ['24.04.202409120', '24.04.202410020', '24.04.202411030'];
const BOOKWORM = ['0.20240902.1856', '0.20241004.1892', '0.20241110.1927'];
const WS2022 = ['20348.2655.240810', '20348.2762.241006', '20348.2849.241106'];
const WS2025 = ['26100.1742.240906', '26100.2033.241004', '26100.2314.241107'];

/** The plan image: Rocky Linux from the Rocky Enterprise Software Foundation (publisher `resf`).
 * URN resf:rockylinux-x86_64:9-base, plan {name: 9-base, product: rockylinux-x86_64, publisher: resf}, as used in
 * public Terraform `plan {}` blocks and Packer `plan_info {}` blocks (see SOURCES.md). */
export const ROCKY_PLAN: ImagePlan = { name: '9-base', product: 'rockylinux-x86_64', publisher: 'resf' };

export const DEFAULT_SKUS: readonly CatalogSku[] = [
  {
    publisher: 'Canonical',
    offer: '0001-com-ubuntu-server-jammy',
    sku: '22_04-lts',
    osType: 'Linux',
    hyperVGeneration: 'V1',
    architecture: 'x64',
    features: GEN1,
    osDiskSizeInGb: 30,
    versions: JAMMY,
  },
  {
    publisher: 'Canonical',
    offer: '0001-com-ubuntu-server-jammy',
    sku: '22_04-lts-gen2',
    osType: 'Linux',
    hyperVGeneration: 'V2',
    architecture: 'x64',
    features: GEN2_TL,
    osDiskSizeInGb: 30,
    versions: JAMMY,
  },
  {
    publisher: 'Canonical',
    offer: '0001-com-ubuntu-server-jammy',
    sku: '22_04-lts-arm64',
    osType: 'Linux',
    hyperVGeneration: 'V2',
    architecture: 'Arm64',
    features: ARM64,
    osDiskSizeInGb: 30,
    versions: JAMMY,
  },
  {
    publisher: 'Canonical',
    offer: 'ubuntu-24_04-lts',
    sku: 'server',
    osType: 'Linux',
    hyperVGeneration: 'V2',
    architecture: 'x64',
    features: GEN2_TL,
    osDiskSizeInGb: 30,
    versions: NOBLE,
  },
  {
    publisher: 'Canonical',
    offer: 'ubuntu-24_04-lts',
    sku: 'server-gen1',
    osType: 'Linux',
    hyperVGeneration: 'V1',
    architecture: 'x64',
    features: GEN1,
    osDiskSizeInGb: 30,
    versions: NOBLE,
  },
  {
    publisher: 'Canonical',
    offer: 'ubuntu-24_04-lts',
    sku: 'server-arm64',
    osType: 'Linux',
    hyperVGeneration: 'V2',
    architecture: 'Arm64',
    features: ARM64,
    osDiskSizeInGb: 30,
    versions: NOBLE,
  },
  {
    publisher: 'Debian',
    offer: 'debian-12',
    sku: '12',
    osType: 'Linux',
    hyperVGeneration: 'V1',
    architecture: 'x64',
    features: GEN1,
    osDiskSizeInGb: 30,
    versions: BOOKWORM,
  },
  {
    publisher: 'Debian',
    offer: 'debian-12',
    sku: '12-gen2',
    osType: 'Linux',
    hyperVGeneration: 'V2',
    architecture: 'x64',
    features: GEN2_TL,
    osDiskSizeInGb: 30,
    versions: BOOKWORM,
  },
  {
    publisher: 'Debian',
    offer: 'debian-12',
    sku: '12-arm64',
    osType: 'Linux',
    hyperVGeneration: 'V2',
    architecture: 'Arm64',
    features: ARM64,
    osDiskSizeInGb: 30,
    versions: BOOKWORM,
  },
  {
    publisher: 'MicrosoftWindowsServer',
    offer: 'WindowsServer',
    sku: '2022-datacenter',
    osType: 'Windows',
    hyperVGeneration: 'V1',
    architecture: 'x64',
    features: GEN1,
    osDiskSizeInGb: 127,
    versions: [
      // An old version on its way out, to exercise imageDeprecationStatus (values illustrative; shape from spec).
      {
        version: WS2022[0]!,
        imageDeprecationStatus: {
          imageState: 'ScheduledForDeprecation',
          scheduledDeprecationTime: '2025-08-10T00:00:00+00:00',
          alternativeOption: { type: 'Offer', value: 'WindowsServer' },
        },
      },
      ...WS2022.slice(1),
    ],
  },
  {
    publisher: 'MicrosoftWindowsServer',
    offer: 'WindowsServer',
    sku: '2022-datacenter-g2',
    osType: 'Windows',
    hyperVGeneration: 'V2',
    architecture: 'x64',
    features: WIN_GEN2_TL_CVM,
    osDiskSizeInGb: 127,
    versions: WS2022,
  },
  {
    publisher: 'MicrosoftWindowsServer',
    offer: 'WindowsServer',
    sku: '2022-datacenter-azure-edition',
    osType: 'Windows',
    hyperVGeneration: 'V2',
    architecture: 'x64',
    features: WIN_GEN2_TL_CVM,
    osDiskSizeInGb: 127,
    versions: WS2022,
  },
  {
    publisher: 'MicrosoftWindowsServer',
    offer: 'WindowsServer',
    sku: '2025-datacenter-g2',
    osType: 'Windows',
    hyperVGeneration: 'V2',
    architecture: 'x64',
    features: WIN_GEN2_TL_CVM,
    osDiskSizeInGb: 127,
    versions: WS2025,
  },
  {
    publisher: 'MicrosoftWindowsServer',
    offer: 'WindowsServer',
    sku: '2025-datacenter-azure-edition',
    osType: 'Windows',
    hyperVGeneration: 'V2',
    architecture: 'x64',
    features: WIN_GEN2_TL_CVM,
    osDiskSizeInGb: 127,
    versions: WS2025,
  },
  {
    // The sku whose "latest" differs between string order and numeric order: 8.9.x sorts after 8.10.x as text.
    // Azure/azure-rest-api-specs#30142 and ansible-collections/azure#1667 report exactly these two versions.
    publisher: 'RedHat',
    offer: 'RHEL',
    sku: '8-lvm-gen2',
    osType: 'Linux',
    hyperVGeneration: 'V2',
    architecture: 'x64',
    features: GEN2_TL,
    osDiskSizeInGb: 64,
    versions: ['8.8.2023081717', '8.9.2024022012', '8.10.2024070513'],
  },
  {
    publisher: 'resf',
    offer: 'rockylinux-x86_64',
    sku: '9-base',
    osType: 'Linux',
    hyperVGeneration: 'V2',
    architecture: 'x64',
    features: [feature('IsAcceleratedNetworkSupported', 'True')],
    osDiskSizeInGb: 10,
    plan: ROCKY_PLAN,
    versions: ['9.3.20231113', '9.6.20250531', '9.8.20260525'],
  },
];

export const DEFAULT_PLAN_TERMS: readonly PlanTerms[] = [
  { plan: ROCKY_PLAN, privacyPolicyLink: 'https://resf.org/privacy' },
];

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** A catalog instance. Publisher, offer and sku match case-insensitively (Azure accepts `canonical` for
 * `Canonical`: real disk imageReference ids carry the casing the user typed). Versions match exactly. */
export class Catalog {
  private readonly skus: CatalogSku[];
  readonly planTerms: PlanTerms[];

  constructor(
    skus: readonly CatalogSku[] = DEFAULT_SKUS,
    planTerms: readonly PlanTerms[] = DEFAULT_PLAN_TERMS,
  ) {
    this.skus = skus.map((s) => ({ ...s, versions: [...s.versions] }));
    this.planTerms = [...planTerms];
  }

  /** Publishers in first-seen order, catalog casing. */
  publishers(): string[] {
    return unique(this.skus.map((s) => s.publisher));
  }

  findPublisher(publisher: string): string | undefined {
    return this.publishers().find((p) => same(p, publisher));
  }

  offers(publisher: string): string[] {
    return unique(this.skus.filter((s) => same(s.publisher, publisher)).map((s) => s.offer));
  }

  findOffer(publisher: string, offer: string): string | undefined {
    return this.offers(publisher).find((o) => same(o, offer));
  }

  skusOf(publisher: string, offer: string): CatalogSku[] {
    return this.skus.filter((s) => same(s.publisher, publisher) && same(s.offer, offer));
  }

  findSku(publisher: string, offer: string, sku: string): CatalogSku | undefined {
    return this.skusOf(publisher, offer).find((s) => same(s.sku, sku));
  }

  /** Every version of a sku, fully resolved, in catalog order. */
  images(publisher: string, offer: string, sku: string): CatalogImage[] {
    const def = this.findSku(publisher, offer, sku);
    return def ? def.versions.map((v) => resolveImage(def, v)) : [];
  }

  image(publisher: string, offer: string, sku: string, version: string): CatalogImage | undefined {
    return this.images(publisher, offer, sku).find((i) => i.version === version);
  }

  /** Terms metadata for a plan, if some catalog image carries it. */
  findPlanTerms(publisher: string, product: string, plan: string): PlanTerms | undefined {
    return this.planTerms.find(
      (t) => same(t.plan.publisher, publisher) && same(t.plan.product, product) && same(t.plan.name, plan),
    );
  }

  /** Test control: publish a new sku or a new version of an existing one (e.g. "a newer image appears"). */
  publish(sku: CatalogSku): void {
    const existing = this.findSku(sku.publisher, sku.offer, sku.sku);
    if (existing) existing.versions.push(...sku.versions);
    else this.skus.push({ ...sku, versions: [...sku.versions] });
    if (sku.plan && !this.findPlanTerms(sku.plan.publisher, sku.plan.product, sku.plan.name)) {
      this.planTerms.push({
        plan: sku.plan,
        privacyPolicyLink: `https://${sku.plan.publisher}.example/privacy`,
      });
    }
  }
}

function resolveImage(def: CatalogSku, entry: CatalogSku['versions'][number]): CatalogImage {
  const version = typeof entry === 'string' ? entry : entry.version;
  const deprecation: ImageDeprecationStatus =
    typeof entry === 'string' ? { imageState: 'Active' } : entry.imageDeprecationStatus;
  return {
    publisher: def.publisher,
    offer: def.offer,
    sku: def.sku,
    version,
    osType: def.osType,
    hyperVGeneration: def.hyperVGeneration,
    architecture: def.architecture,
    features: def.features.map((f) => ({ ...f })),
    osDiskSizeInGb: def.osDiskSizeInGb,
    dataDiskImages: (def.dataDiskImages ?? []).map((d) => ({ ...d })),
    ...(def.plan ? { plan: { ...def.plan } } : {}),
    automaticOSUpgradeSupported: def.automaticOSUpgradeSupported ?? false,
    imageDeprecationStatus: { ...deprecation },
    disallowedVmDiskType: 'Unmanaged',
  };
}

function unique(values: string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => (seen.has(v.toLowerCase()) ? false : (seen.add(v.toLowerCase()), true)));
}

/** A URN `publisher:offer:sku:version` as users type it. */
export interface Urn {
  publisher: string;
  offer: string;
  sku: string;
  version: string;
}

export const formatUrn = (u: Urn): string => `${u.publisher}:${u.offer}:${u.sku}:${u.version}`;
