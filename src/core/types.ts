// The contract between the GitHub adapter (src/action/) and the build core (src/core/).
// The core knows Azure and the build sequence and nothing of GitHub: settings in,
// resource ledger and outputs out. Everything GitHub-specific (inputs, outputs,
// state, OIDC token requests, job summary) is reached through the Host interface.

export type OsType = 'Linux' | 'Windows';
export type HyperVGeneration = 'V1' | 'V2';
export type SecurityType =
  'Standard' | 'TrustedLaunch' | 'TrustedLaunchSupported' | 'TrustedLaunchAndConfidentialVmSupported';
export type Architecture = 'x64' | 'Arm64';
export type StorageAccountType = 'Standard_LRS' | 'Standard_ZRS' | 'Premium_LRS';

export interface PurchasePlan {
  name: string;
  product: string;
  publisher: string;
}

/** Where the build starts from, as the user named it (input `base-image`). */
export type SourceImage =
  | {
      kind: 'marketplace';
      publisher: string;
      offer: string;
      sku: string;
      version: string; /* 'latest' allowed */
    }
  | { kind: 'managedImage'; id: string }
  | { kind: 'galleryImageVersion'; id: string }
  /** A gallery image definition ID: means its latest version. */
  | { kind: 'galleryImageDefinition'; id: string }
  /** A VHD in a storage account (for example built with Hyper-V), imported as a managed disk. */
  | {
      kind: 'vhd';
      uri: string;
      /** The storage account holding the blob (Azure's disk import needs its ID: input `source-storage-account-id`). */
      storageAccountId: string;
      osType: OsType;
      hyperVGeneration: HyperVGeneration;
      osState: 'Generalized' | 'Specialized';
    }
  /** Capture an existing live VM as a specialized gallery version; no build VM is created. */
  | { kind: 'liveVm'; id: string };

/** The source after resolution: exact, with every property the later phases need. */
export interface ResolvedSource {
  source: SourceImage;
  /** The exact image: a URN with the version resolved, or a resource ID. */
  exact: string;
  osType: OsType;
  hyperVGeneration: HyperVGeneration;
  architecture: Architecture;
  /** Security features the source supports or requires (from image features / definition). */
  securityType: SecurityType;
  plan?: PurchasePlan;
  /** For marketplace sources: the imageReference to put on the VM. */
  imageReference: { publisher?: string; offer?: string; sku?: string; version?: string; id?: string };
  /** Generalized sources need osProfile on VM create; specialized forbid it. */
  osState: 'Generalized' | 'Specialized';
  location?: string;
  /** NVMe, SCSI: from image features (DiskControllerTypes). */
  diskControllerTypes?: string[];
  /** A managed disk to attach as the build VM's OS disk instead of an image (a specialized VHD source). */
  attachOsDiskId?: string;
}

export interface ScriptSpec {
  /** A display name: the file path, or `inline`. */
  name: string;
  content: string;
  /** Windows: restart the VM after this script (input `restart-after` or the script asked for it). */
  restartAfter?: boolean;
}

export interface TargetRegion {
  name: string;
  replicaCount?: number;
  storageAccountType?: StorageAccountType;
  /** Customer-managed key: disk encryption set ID for this region. */
  diskEncryptionSetId?: string;
}

export interface GalleryTarget {
  resourceGroup: string;
  gallery: string;
  imageDefinition: string;
  /** Exact version name (Major.Minor.Patch). Resolved by the adapter from input, tag or push scheme. */
  version: string;
  /** Used when the definition has to be created. */
  definitionPublisher?: string;
  definitionOffer?: string;
  definitionSku?: string;
  targetRegions: TargetRegion[];
  storageAccountType?: StorageAccountType;
  excludeFromLatest: boolean;
  endOfLifeDate?: string;
  replicationMode: 'Full' | 'Shallow';
  overwriteVersion: boolean;
  replicationTimeoutMinutes: number;
  /** Publish in the build region first, set outputs, then add the other regions. */
  publishBuildRegionFirst: boolean;
  /**
   * With publishBuildRegionFirst: also wait until the other regions have replicated (bounded by
   * replicationTimeoutMinutes). Default false: the step returns once Azure accepted the new regions.
   */
  waitForReplication?: boolean;
}

export interface ManagedImageTarget {
  resourceGroup: string;
  name: string;
}

export interface AzureCloud {
  /** e.g. AzureCloud, AzureUSGovernment, AzureChinaCloud, or Custom (emulator, private cloud). */
  name: string;
  armEndpoint: string;
  authorityHost: string;
  /** Token scope for ARM, e.g. https://management.azure.com/.default */
  armScope: string;
}

export type AuthSettings =
  /** Workload identity federation: GitHub OIDC token exchanged for an Entra token. */
  | { kind: 'oidc'; tenantId: string; clientId: string; audience: string }
  /** Client secret (emulator, or users who must). The secret is masked by the adapter. */
  | { kind: 'clientSecret'; tenantId: string; clientId: string; clientSecret: string }
  /** The Azure CLI session of a preceding azure/login step. */
  | { kind: 'azureCli' };

export interface BuildSettings {
  subscriptionId: string;
  /** Where to build; when absent, the location of the target resource group. */
  location?: string;
  source: SourceImage;
  scripts: ScriptSpec[];
  scriptTimeoutMinutes: number;
  managedImage?: ManagedImageTarget;
  gallery?: GalleryTarget;
  vm: {
    size: string;
    osDiskSizeGb?: number;
    spot: boolean;
    dataDiskSizesGb: number[];
    /** Trusted Launch settings when the source supports it. */
    securityType?: 'Standard' | 'TrustedLaunch';
  };
  generalize: boolean;
  /** Generalization step timeout (waagent / sysprep), minutes. */
  generalizeTimeoutMinutes: number;
  windowsUpdate: boolean;
  acceptMarketplaceTerms: boolean;
  buildResourceGroup?: string;
  subnetId?: string;
  tags: Record<string, string>;
  keepResourcesOnFailure: boolean;
  /** Wait for the temporary resource group deletion to finish (default: return once Azure accepted it). */
  waitForCleanup: boolean;
  auth: AuthSettings;
  cloud: AzureCloud;
  provenance: Provenance;
  /** Where the manifest JSON is written. */
  manifestPath: string;
  /** Fraction of real time the model clock runs at: 1 on Azure; e.g. 0.01 against the emulator. */
  timeScale: number;
}

export interface Provenance {
  repository?: string;
  commit?: string;
  ref?: string;
  workflow?: string;
  runId?: string;
  runUrl?: string;
  actor?: string;
}

/** One temporary resource, recorded before it is requested so cleanup can find it. */
export interface LedgerEntry {
  /** Full ARM resource ID. */
  id: string;
  /** e.g. resourceGroup, virtualNetwork, networkInterface, virtualMachine, disk, runCommand, galleryImageVersion */
  kind: string;
  /** 'temporary' entries are deleted by cleanup; 'output' entries are kept (deleted only if the build failed before it produced them). */
  role: 'temporary' | 'output';
  createdAt: string;
  /** Set when the resource group was created by the build (cleanup can delete the group as a whole). */
  ownedGroup?: boolean;
}

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  /** Runs fn inside a collapsible log group. */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Registers a secret so it never reaches the log. */
  mask(secret: string): void;
}

/** What the core needs from its host (the GitHub adapter, the demo, or a test). */
export interface Host {
  logger: Logger;
  /** Persist the ledger so the post step (a separate process) can clean up. Called on every change. */
  saveLedger(entries: LedgerEntry[]): void;
  /** A fresh OIDC token from the CI system, requested whenever Entra asks. */
  getIdToken?(audience: string): Promise<string>;
  /** Cancellation: aborted when the job is cancelled (SIGINT/SIGTERM). */
  abortSignal?: AbortSignal;
  /**
   * Early outputs: called as soon as an artifact is usable, before the build ends (e.g. the gallery
   * version in the build region with publishBuildRegionFirst). The final outputs follow at the end.
   */
  onOutputs?(outputs: Partial<BuildOutputs>): void;
}

export interface PhaseTiming {
  phase: string;
  startedAt: string;
  seconds: number;
}

export interface BuildOutputs {
  imageId: string;
  managedImageId?: string;
  galleryImageVersionId?: string;
  galleryImageVersion?: string;
  sourceImage: string;
  /** Regions the gallery version reached. */
  regions?: string[];
  /** Regions still replicating when the step returned (publishBuildRegionFirst without waiting). */
  pendingRegions?: string[];
  manifestPath: string;
}

export interface Manifest {
  schemaVersion: 1;
  builtAt: string;
  source: {
    requested: string;
    exact: string;
    osType: OsType;
    hyperVGeneration: HyperVGeneration;
    plan?: PurchasePlan;
  };
  artifacts: {
    managedImageId?: string;
    galleryImageVersionId?: string;
    galleryImageVersion?: string;
    regions?: string[];
    pendingRegions?: string[];
  };
  location: string;
  vmSize: string;
  scripts: { name: string; exitCode: number; seconds: number }[];
  phases: PhaseTiming[];
  provenance: Provenance;
  totalSeconds: number;
}

export interface BuildResult {
  outputs: BuildOutputs;
  manifest: Manifest;
}
