// Every input is parsed here, once, into one typed BuildSettings. Nothing else reads inputs.
// Parsing is strict (booleans are true/false, enums exact up to case, integers in range) and every
// bad value raises a SettingsError that names the input, the value and the fix, before anything is
// created in Azure. Host-neutral: the action passes a reader over @actions/core, tests pass a map.

import { tmpdir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { settingsErrors as E, SettingsError, type Shown } from './errors.js';
import { deriveGalleryVersion } from './gallery-version.js';
import { isResourceType, parseResourceId, type ResourceId } from './resource-id.js';
import { loadScriptFiles } from './script-files.js';
import type {
  AuthSettings,
  AzureCloud,
  BuildSettings,
  GalleryTarget,
  HyperVGeneration,
  ManagedImageTarget,
  OsType,
  Provenance,
  ScriptSpec,
  SourceImage,
  StorageAccountType,
  TargetRegion,
} from './types.js';

export { SettingsError } from './errors.js';

/**
 * Defaults of the inputs that have one. action.yml declares the same values (a unit test keeps them
 * equal): the runner passes the default when an input is not set, and tests that set only some
 * INPUT_* variables get the same behaviour from here.
 */
export const INPUT_DEFAULTS: Readonly<Record<string, string>> = {
  'script-timeout-minutes': '60',
  'windows-update': 'false',
  'storage-account-type': 'Standard_LRS',
  'exclude-from-latest': 'false',
  'replication-mode': 'Full',
  'replication-timeout-minutes': '120',
  'publish-build-region-first': 'false',
  'overwrite-version': 'false',
  'vm-size': 'Standard_D2s_v5',
  spot: 'false',
  'generalize-timeout-minutes': '30',
  'accept-marketplace-terms': 'false',
  'keep-resources-on-failure': 'false',
  'wait-for-cleanup': 'false',
  environment: 'AzureCloud',
};

/** Environment variable that slows the model clock for tests against the emulator. Test-only. */
export const TIME_SCALE_ENV = 'AZURE_IMAGE_BUILD_TIME_SCALE';

/** Clouds by `environment`: endpoints and the OIDC audience their federated credentials expect. */
export const CLOUDS: Readonly<
  Record<string, { armEndpoint: string; authorityHost: string; audience: string }>
> = {
  AzureCloud: {
    armEndpoint: 'https://management.azure.com',
    authorityHost: 'https://login.microsoftonline.com',
    audience: 'api://AzureADTokenExchange',
  },
  // Audience: Azure/login#452 (federated credentials in Azure Government default to ...USGov).
  AzureUSGovernment: {
    armEndpoint: 'https://management.usgovcloudapi.net',
    authorityHost: 'https://login.microsoftonline.us',
    audience: 'api://AzureADTokenExchangeUSGov',
  },
  // Audience: hashicorp/terraform-provider-azuread#1755 (Azure China expects ...China).
  AzureChinaCloud: {
    armEndpoint: 'https://management.chinacloudapi.cn',
    authorityHost: 'https://login.chinacloudapi.cn',
    audience: 'api://AzureADTokenExchangeChina',
  },
};

const TRUE = ['true', 'True', 'TRUE'];
const FALSE = ['false', 'False', 'FALSE'];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STORAGE_TYPES: readonly StorageAccountType[] = ['Standard_LRS', 'Standard_ZRS', 'Premium_LRS'];
const MAX_USER_TAGS = 40; // Azure allows 50 tags per resource; the build adds its provenance tags.

// Azure naming rules (learn.microsoft.com azure-resource-manager/management/resource-name-rules).
const NAME_RULES = {
  resourceGroup: {
    re: /^[-\w.()\p{L}\p{N}]{0,89}[-\w()\p{L}\p{N}]$/u,
    rule: '1 to 90 letters, digits, underscores, hyphens, periods and parentheses, not ending with a period',
  },
  image: {
    re: /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/,
    rule: '1 to 80 letters, digits, underscores, periods and hyphens, starting with a letter or digit and ending with a letter, digit or underscore',
  },
  gallery: {
    re: /^[A-Za-z0-9]([A-Za-z0-9_.]{0,78}[A-Za-z0-9])?$/,
    rule: '1 to 80 letters, digits, underscores and periods (no hyphens), starting and ending with a letter or digit',
  },
  definition: {
    re: /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,78}[A-Za-z0-9])?$/,
    rule: '1 to 80 letters, digits, underscores, hyphens and periods, starting and ending with a letter or digit',
  },
} as const;

type Read = (inputName: string) => string;
type Env = Record<string, string | undefined>;

/** Typed access to raw input strings. `raw` is what the user set; `get` falls back to the default. */
class Inputs {
  constructor(private readonly read: Read) {}

  raw(name: string): string {
    return (this.read(name) ?? '').trim();
  }

  get(name: string): string {
    return this.raw(name) || INPUT_DEFAULTS[name] || '';
  }

  bool(name: string): boolean {
    return parseBoolean(name, this.get(name));
  }

  int(name: string, min: number, max: number): number | undefined {
    const value = this.get(name);
    return value === '' ? undefined : parseInteger(name, value, min, max);
  }

  choice<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.get(name);
    return value === '' ? undefined : parseChoice(name, value, allowed);
  }

  /** Entries separated by newlines or commas, blanks dropped. */
  list(name: string): string[] {
    return splitList(this.get(name), /[\n,]/);
  }

  lines(name: string): string[] {
    return splitList(this.get(name), /\r?\n/);
  }
}

function splitList(value: string, separator: RegExp): string[] {
  return value
    .split(separator)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** `shown` is what the error quotes: the whole value by default, or the list entry it came from. */
export function parseBoolean(name: string, value: string, shown: Shown = value): boolean {
  if (TRUE.includes(value)) return true;
  if (FALSE.includes(value)) return false;
  throw E.boolean(name, shown);
}

export function parseInteger(
  name: string,
  value: string,
  min: number,
  max: number,
  shown: Shown = value,
): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw E.integer(name, shown, min, max);
  return n;
}

export function parseChoice<T extends string>(
  name: string,
  value: string,
  allowed: readonly T[],
  shown: Shown = value,
): T {
  const found = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (found === undefined) throw E.choice(name, shown, allowed);
  return found;
}

function checkName(input: string, value: string, kind: keyof typeof NAME_RULES): string {
  const { re, rule } = NAME_RULES[kind];
  if (!re.test(value)) throw E.name(input, value, rule);
  return value;
}

/** `East US` and `eastus` both give `eastus`. */
function parseLocation(input: string, value: string, shown: Shown = value): string {
  const name = value.toLowerCase().replace(/\s+/g, '');
  if (!/^[a-z][a-z0-9]*$/.test(name)) throw E.location(input, shown);
  return name;
}

function parseTypedId(
  input: string,
  value: string,
  shown: Shown,
  expected: string,
  namespace: string,
  ...types: string[]
) {
  const rid = parseResourceId(value);
  if (!rid || !isResourceType(rid, namespace, ...types)) throw E.resourceId(input, shown, expected);
  return rid;
}

// ---------------------------------------------------------------------------------------------
// Source image

const SOURCE_ONLY_FOR_VHD = [
  'source-os-type',
  'source-hyper-v-generation',
  'source-os-state',
  'source-storage-account-id',
];

function parseSource(inputs: Inputs): { source: SourceImage; rid?: ResourceId } {
  const value = inputs.raw('base-image');
  if (!value) {
    throw E.required(
      'base-image',
      '',
      'Set it to the image to start from, e.g. Canonical:ubuntu-24_04-lts:server:latest.',
    );
  }
  const isVhd = /^https?:\/\//i.test(value);
  if (!isVhd) {
    for (const name of SOURCE_ONLY_FOR_VHD) {
      if (inputs.raw(name)) throw E.vhdOnly(name, inputs.raw(name));
    }
  }
  if (isVhd) return { source: parseVhdSource(inputs, value) };
  if (value.startsWith('/')) return parseIdSource(value);
  return { source: parseUrn(value) };
}

function parseUrn(value: string): SourceImage {
  const parts = value.split(':');
  if (parts.length === 3 && parts.every((p) => p.trim() !== '')) {
    const [publisher, offer, last] = parts;
    // Three parts ending in a version: the SKU is what is missing, not the version.
    if (/^(latest|\d+\.\d+\.\d+)$/i.test(last)) {
      throw E.baseImage(
        value,
        `a Marketplace URN needs 4 parts (publisher:offer:sku:version) and '${last}' is a version, so the SKU is missing: ${publisher}:${offer}:<sku>:${last} (list the SKUs with az vm image list-skus -l <location> -p ${publisher} -f ${offer})`,
      );
    }
    throw E.baseImage(value, `a Marketplace URN needs 4 parts; add the version, e.g. ${value}:latest`);
  }
  if (parts.length !== 4 || parts.some((p) => p === '' || /\s/.test(p))) {
    throw E.baseImage(value, 'not a Marketplace URN (publisher:offer:sku:version), resource ID or VHD URL');
  }
  const [publisher, offer, sku, rawVersion] = parts;
  const version = rawVersion.toLowerCase() === 'latest' ? 'latest' : rawVersion;
  if (version !== 'latest' && !/^\d+\.\d+\.\d+$/.test(version)) {
    throw E.baseImage(
      value,
      `the version '${rawVersion}' is neither latest nor Major.Minor.Build (list them with az vm image list --all -p ${publisher} -f ${offer} -s ${sku})`,
    );
  }
  return { kind: 'marketplace', publisher, offer, sku, version };
}

function parseIdSource(value: string): { source: SourceImage; rid: ResourceId } {
  const rid = parseResourceId(value);
  if (!rid) throw E.baseImage(value, 'not a well-formed resource ID');
  if (isResourceType(rid, 'Microsoft.Compute', 'images'))
    return { source: { kind: 'managedImage', id: value }, rid };
  if (isResourceType(rid, 'Microsoft.Compute', 'galleries', 'images')) {
    return { source: { kind: 'galleryImageDefinition', id: value }, rid };
  }
  if (isResourceType(rid, 'Microsoft.Compute', 'galleries', 'images', 'versions')) {
    if (!/^\d+\.\d+\.\d+$/.test(rid.name)) {
      throw E.baseImage(
        value,
        `'${rid.name}' is not a version name; for the latest version use the definition ID (drop /versions/${rid.name})`,
      );
    }
    return { source: { kind: 'galleryImageVersion', id: value }, rid };
  }
  if (isResourceType(rid, 'Microsoft.Compute', 'virtualMachines'))
    return { source: { kind: 'liveVm', id: value }, rid };
  const type = `${rid.namespace}/${rid.path.map((p) => p.type).join('/')}`;
  throw E.baseImage(value, `a resource of type ${type} cannot be a base image`);
}

function parseVhdSource(inputs: Inputs, value: string): SourceImage {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw E.baseImage(value, 'not a valid URL');
  }
  const local = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  if (url.protocol !== 'https:' && !(local && url.protocol === 'http:')) {
    throw E.baseImage(value, 'a VHD URL must use https');
  }
  if (/\.vhdx$/i.test(url.pathname)) {
    throw E.baseImage(
      value,
      'Azure accepts fixed-size VHD files, not VHDX; convert it first (Convert-VHD -VHDType Fixed) and upload the .vhd',
    );
  }
  const osType = inputs.raw('source-os-type');
  if (!osType) {
    throw E.required('source-os-type', 'when base-image is a VHD URL', 'Set it to Linux or Windows.');
  }
  const generation = inputs.raw('source-hyper-v-generation');
  if (!generation) {
    throw E.required(
      'source-hyper-v-generation',
      'when base-image is a VHD URL',
      'Set it to V1 (BIOS, Hyper-V generation 1) or V2 (UEFI, generation 2), matching the VM the VHD was built with.',
    );
  }
  const state = inputs.raw('source-os-state') || 'Generalized';
  const parsed = {
    osType: parseChoice<OsType>('source-os-type', osType, ['Linux', 'Windows']),
    hyperVGeneration: parseChoice<HyperVGeneration>('source-hyper-v-generation', generation, ['V1', 'V2']),
    osState: parseChoice('source-os-state', state, ['Generalized', 'Specialized'] as const),
  };
  const account = inputs.raw('source-storage-account-id');
  if (!account) {
    throw E.required(
      'source-storage-account-id',
      'when base-image is a VHD URL',
      'Set it to the resource ID of the storage account that holds the VHD (az storage account show -n <account> --query id): Azure imports the blob as a managed disk through it.',
    );
  }
  const rid = parseTypedId(
    'source-storage-account-id',
    account,
    account,
    'a storage account',
    'Microsoft.Storage',
    'storageAccounts',
  );
  // https://<account>.blob.core.windows.net/<container>/<blob>, or path-style http://127.0.0.1:10000/<account>/… (Azurite).
  const urlAccount = local ? url.pathname.split('/')[1] : url.hostname.split('.')[0];
  if (urlAccount && urlAccount.toLowerCase() !== rid.name.toLowerCase()) {
    throw E.invalid(
      'source-storage-account-id',
      account,
      `it names storage account '${rid.name}', but the VHD is in storage account '${urlAccount}'`,
      `Use the ID of storage account '${urlAccount}'.`,
    );
  }
  return {
    kind: 'vhd',
    uri: value,
    storageAccountId: account,
    ...parsed,
  };
}

/** Inputs that make no sense when a live VM is captured as it is. */
function rejectLiveVmConflicts(inputs: Inputs): void {
  for (const name of [
    'scripts',
    'inline-script',
    'restart-after',
    'data-disks',
    'os-disk-size-gb',
    'subnet-id',
  ]) {
    if (inputs.raw(name)) throw E.liveVmConflict(name, inputs.raw(name));
  }
  for (const name of ['spot', 'windows-update', 'generalize']) {
    if (inputs.raw(name) && parseBoolean(name, inputs.raw(name)))
      throw E.liveVmConflict(name, inputs.raw(name));
  }
}

// ---------------------------------------------------------------------------------------------
// Targets

function parseManagedImage(
  inputs: Inputs,
  resourceGroup: string | undefined,
  source: SourceImage,
  generalize: boolean,
  securityType: string | undefined,
): ManagedImageTarget | undefined {
  const name = inputs.raw('image-name');
  if (!name) return undefined;
  checkName('image-name', name, 'image');
  if (source.kind === 'liveVm') {
    throw E.managedImageNotGeneralized("'base-image' is a virtual machine, which is captured specialized");
  }
  if (!generalize) throw E.managedImageNotGeneralized("input 'generalize' is false (a specialized capture)");
  if (securityType === 'TrustedLaunch') throw E.managedImageTrustedLaunch();
  if (!resourceGroup) {
    throw E.required(
      'resource-group',
      "with 'image-name'",
      'Set it to the existing resource group where the managed image is created.',
    );
  }
  return { resourceGroup, name };
}

const GALLERY_ONLY = [
  'gallery-resource-group',
  'gallery-image-version',
  'gallery-image-publisher',
  'gallery-image-offer',
  'gallery-image-sku',
  'target-regions',
  'end-of-life-date',
  'disk-encryption-sets',
];

function parseGallery(
  inputs: Inputs,
  resourceGroup: string | undefined,
  location: string | undefined,
  env: Env,
  now: Date,
): GalleryTarget | undefined {
  const gallery = inputs.raw('gallery');
  const imageDefinition = inputs.raw('gallery-image-definition');
  if (!gallery && !imageDefinition) {
    for (const name of GALLERY_ONLY) if (inputs.raw(name)) throw E.galleryOnly(name, inputs.raw(name));
    return undefined;
  }
  if (!imageDefinition) {
    throw E.pairRequired(
      'gallery',
      'gallery-image-definition',
      'a gallery version is published under an image definition',
    );
  }
  if (!gallery) {
    throw E.pairRequired(
      'gallery-image-definition',
      'gallery',
      'an image definition lives in an Azure Compute Gallery',
    );
  }
  checkName('gallery', gallery, 'gallery');
  checkName('gallery-image-definition', imageDefinition, 'definition');
  const galleryGroup = inputs.raw('gallery-resource-group');
  if (galleryGroup) checkName('gallery-resource-group', galleryGroup, 'resourceGroup');
  const group = galleryGroup || resourceGroup;
  if (!group) {
    throw E.required(
      'resource-group',
      "with 'gallery'",
      "Set 'resource-group' (or 'gallery-resource-group') to the existing resource group that holds, or will hold, the gallery.",
    );
  }

  const identity = ['gallery-image-publisher', 'gallery-image-offer', 'gallery-image-sku'] as const;
  const given = identity.filter((name) => inputs.raw(name));
  if (given.length > 0 && given.length < identity.length) {
    const missingName = identity.find((name) => !inputs.raw(name))!;
    throw E.pairRequired(
      given[0],
      missingName,
      'a new image definition needs publisher, offer and sku together',
    );
  }
  for (const name of given) {
    const value = inputs.raw(name);
    if (value.length > 128 || /\s/.test(value)) {
      throw E.invalid(name, value, 'not a valid identifier', 'Use up to 128 characters without spaces.');
    }
  }

  const { version } = deriveGalleryVersion({
    explicit: inputs.raw('gallery-image-version') || undefined,
    ref: env.GITHUB_REF,
    now,
  });

  return {
    resourceGroup: group,
    gallery,
    imageDefinition,
    version,
    ...(given.length === 3 && {
      definitionPublisher: inputs.raw('gallery-image-publisher'),
      definitionOffer: inputs.raw('gallery-image-offer'),
      definitionSku: inputs.raw('gallery-image-sku'),
    }),
    targetRegions: parseTargetRegions(inputs, location),
    storageAccountType: inputs.choice('storage-account-type', STORAGE_TYPES),
    excludeFromLatest: inputs.bool('exclude-from-latest'),
    endOfLifeDate: parseDate('end-of-life-date', inputs.raw('end-of-life-date')),
    replicationMode: inputs.choice('replication-mode', ['Full', 'Shallow'] as const) ?? 'Full',
    overwriteVersion: inputs.bool('overwrite-version'),
    replicationTimeoutMinutes: inputs.int('replication-timeout-minutes', 1, 1440)!,
    publishBuildRegionFirst: inputs.bool('publish-build-region-first'),
  };
}

/**
 * `eastus=2, westeurope=1=Standard_ZRS`: regions with optional replica counts and storage account
 * types, the syntax of `az sig image-version create --target-regions`.
 */
function parseTargetRegions(inputs: Inputs, location: string | undefined): TargetRegion[] {
  const regions: TargetRegion[] = [];
  for (const entry of inputs.list('target-regions')) {
    const [rawName, count, storage, extra] = entry.split('=').map((s) => s.trim());
    if (extra !== undefined || !rawName || count === '' || storage === '') {
      throw E.invalid(
        'target-regions',
        { entry },
        'not region, region=replicas or region=replicas=storage-account-type',
        'Write e.g. eastus=2, westeurope, northeurope=1=Standard_ZRS.',
      );
    }
    const name = parseLocation('target-regions', rawName, { entry });
    if (regions.some((r) => r.name === name)) {
      throw E.invalid(
        'target-regions',
        { entry },
        `region ${name} is listed twice`,
        'List each region once.',
      );
    }
    regions.push({
      name,
      ...(count !== undefined && { replicaCount: parseInteger('target-regions', count, 1, 100, { entry }) }),
      ...(storage !== undefined && {
        storageAccountType: parseChoice('target-regions', storage, STORAGE_TYPES, { entry }),
      }),
    });
  }
  for (const entry of inputs.list('disk-encryption-sets')) {
    const at = entry.indexOf('=');
    if (at <= 0) {
      throw E.invalid(
        'disk-encryption-sets',
        { entry },
        'not a region=diskEncryptionSetId pair',
        'Write one region=/subscriptions/…/providers/Microsoft.Compute/diskEncryptionSets/<name> per line.',
      );
    }
    const region = parseLocation('disk-encryption-sets', entry.slice(0, at).trim(), { entry });
    const id = entry.slice(at + 1).trim();
    parseTypedId(
      'disk-encryption-sets',
      id,
      { entry },
      'a disk encryption set',
      'Microsoft.Compute',
      'diskEncryptionSets',
    );
    let target = regions.find((r) => r.name === region);
    if (!target && region === location) regions.push((target = { name: region }));
    if (!target) {
      throw E.invalid(
        'disk-encryption-sets',
        { entry },
        `region ${region} is neither in 'target-regions' nor the build 'location'`,
        `Add ${region} to 'target-regions', or fix the region name.`,
      );
    }
    if (target.diskEncryptionSetId) {
      throw E.invalid(
        'disk-encryption-sets',
        { entry },
        `region ${region} has two disk encryption sets`,
        'Give one per region.',
      );
    }
    target.diskEncryptionSetId = id;
  }
  return regions;
}

/** YYYY-MM-DD (midnight UTC) or an ISO 8601 date-time with a time zone; returned as ISO 8601. */
function parseDate(input: string, value: string): string | undefined {
  if (!value) return undefined;
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const full = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value);
  const date = new Date(dateOnly ? `${value}T00:00:00Z` : value);
  const sameDay = !Number.isNaN(date.getTime()) && (!dateOnly || date.toISOString().startsWith(value));
  if (!(dateOnly || full) || !sameDay) {
    throw E.invalid(
      input,
      value,
      'not a date',
      'Use YYYY-MM-DD (e.g. 2027-12-31) or an ISO 8601 date-time with a time zone.',
    );
  }
  return date.toISOString();
}

// ---------------------------------------------------------------------------------------------
// Scripts, VM, tags

function parseScripts(inputs: Inputs, env: Env): ScriptSpec[] {
  const base = env.GITHUB_WORKSPACE || process.cwd();
  const files = loadScriptFiles(inputs.lines('scripts'), base);
  const scripts: ScriptSpec[] = files.map((f) => ({ name: f.name, content: f.content }));
  const inline = inputs.raw('inline-script');
  if (inline) scripts.push({ name: 'inline', content: inline });

  // An entry is a 1-based position, a script name, or a `scripts` entry as written (each of its files).
  const names = scripts.map((s) => s.name);
  for (const entry of inputs.list('restart-after')) {
    const position = /^\d+$/.test(entry) ? Number(entry) - 1 : names.indexOf(entry);
    const matched = files.flatMap((f, i) => (f.pattern === entry ? [i] : []));
    const indexes = position >= 0 && position < scripts.length ? [position] : matched;
    if (indexes.length === 0) throw E.restartAfterUnknown(entry, names);
    for (const i of indexes) scripts[i].restartAfter = true;
  }
  return scripts;
}

function parseVm(
  inputs: Inputs,
  securityType: 'Standard' | 'TrustedLaunch' | undefined,
): BuildSettings['vm'] {
  const size = inputs.get('vm-size');
  if (!/^(Standard|Basic)_[A-Za-z0-9_]+$/.test(size)) {
    throw E.invalid(
      'vm-size',
      size,
      'not a VM size name',
      'Use a size such as Standard_D2s_v5 (x64) or Standard_D2ps_v5 (Arm64); list them with `az vm list-sizes -l <region>`.',
    );
  }
  const dataDiskSizesGb = inputs
    .list('data-disks')
    .map((v) => parseInteger('data-disks', v, 1, 32767, { entry: v }));
  if (dataDiskSizesGb.length > 64) {
    throw E.invalid(
      'data-disks',
      inputs.raw('data-disks'),
      `${dataDiskSizesGb.length} disks`,
      'Use at most 64.',
    );
  }
  return {
    size,
    osDiskSizeGb: inputs.int('os-disk-size-gb', 1, 4095),
    spot: inputs.bool('spot'),
    dataDiskSizesGb,
    ...(securityType && { securityType }),
  };
}

/** `key=value` lines, or one line of comma-separated `key=value` pairs. */
export function parseTags(value: string): Record<string, string> {
  const entries = splitList(value, value.includes('\n') ? /\r?\n/ : /,/);
  const tags: Record<string, string> = {};
  for (const entry of entries) {
    const at = entry.indexOf('=');
    const key = at < 0 ? '' : entry.slice(0, at).trim();
    const tagValue = at < 0 ? '' : entry.slice(at + 1).trim();
    if (!key)
      throw E.invalid(
        'tags',
        { entry },
        'not a key=value pair',
        'Write key=value, one per line or separated by commas.',
      );
    if (key.length > 512 || /[<>%&\\?/]/.test(key)) {
      throw E.invalid(
        'tags',
        { entry },
        'the tag name is too long or has one of < > % & \\ ? /',
        'Use a shorter name without those characters.',
      );
    }
    if (tagValue.length > 256)
      throw E.invalid('tags', { entry }, 'the value is longer than 256 characters', 'Shorten it.');
    if (Object.keys(tags).some((k) => k.toLowerCase() === key.toLowerCase())) {
      throw E.invalid(
        'tags',
        { entry },
        `tag ${key} is given twice (tag names are case-insensitive)`,
        'Give each tag once.',
      );
    }
    tags[key] = tagValue;
  }
  if (Object.keys(tags).length > MAX_USER_TAGS) {
    throw E.invalid(
      'tags',
      value,
      `${Object.keys(tags).length} tags`,
      `Use at most ${MAX_USER_TAGS}: Azure allows 50 per resource and the build adds its provenance tags.`,
    );
  }
  return tags;
}

// ---------------------------------------------------------------------------------------------
// Azure: subscription, cloud, auth

function parseSubscription(inputs: Inputs, env: Env, ids: (ResourceId | undefined)[]): string {
  const explicit = inputs.raw('subscription-id');
  if (explicit) {
    if (!GUID.test(explicit)) {
      throw E.invalid(
        'subscription-id',
        explicit,
        'not a subscription ID',
        'Use the GUID shown by `az account show --query id`.',
      );
    }
    return explicit;
  }
  const embedded = ids.find((rid) => rid && GUID.test(rid.subscriptionId));
  if (embedded) return embedded.subscriptionId;
  const fromEnv = env.AZURE_SUBSCRIPTION_ID?.trim();
  if (fromEnv) {
    if (!GUID.test(fromEnv)) {
      throw new SettingsError(
        'AZURE_SUBSCRIPTION_ID',
        `Environment variable AZURE_SUBSCRIPTION_ID is '${fromEnv}', which is not a subscription ID. Set input 'subscription-id' or fix the variable.`,
      );
    }
    return fromEnv;
  }
  throw E.subscriptionMissing();
}

function parseEndpoint(input: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw E.endpoint(input, value, 'not a URL');
  }
  if (url.protocol !== 'https:') throw E.endpoint(input, value, 'not an https URL');
  return url.origin;
}

function parseCloud(inputs: Inputs): AzureCloud & { audience: string } {
  const name = inputs.choice('environment', Object.keys(CLOUDS))!;
  const known = CLOUDS[name];
  const armInput = inputs.raw('arm-endpoint');
  const authorityInput = inputs.raw('authority-host');
  const armEndpoint = armInput ? parseEndpoint('arm-endpoint', armInput) : known.armEndpoint;
  const authorityHost = authorityInput
    ? parseEndpoint('authority-host', authorityInput)
    : known.authorityHost;
  return {
    name: armInput || authorityInput ? 'Custom' : name,
    armEndpoint,
    authorityHost,
    armScope: `${armEndpoint}/.default`,
    audience: known.audience,
  };
}

function parseAuth(inputs: Inputs, env: Env, defaultAudience: string): AuthSettings {
  const tenantId = inputs.raw('tenant-id');
  const clientId = inputs.raw('client-id');
  const clientSecret = inputs.raw('client-secret');
  const audience = inputs.raw('audience');
  if (!tenantId && !clientId) {
    if (clientSecret) {
      throw E.auth(
        'client-secret',
        "is set, but 'tenant-id' and 'client-id' are not. Set both (the app registration's directory and application IDs), or remove client-secret.",
      );
    }
    if (audience)
      throw E.notApplicable(
        'audience',
        audience,
        'it is only used with OpenID Connect (tenant-id and client-id)',
        'Remove it.',
      );
    return { kind: 'azureCli' };
  }
  if (!tenantId)
    throw E.pairRequired('client-id', 'tenant-id', 'signing in as an app needs its directory (tenant) ID');
  if (!clientId)
    throw E.pairRequired('tenant-id', 'client-id', 'signing in as an app needs its application (client) ID');
  if (!GUID.test(tenantId) && !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(tenantId)) {
    throw E.invalid(
      'tenant-id',
      tenantId,
      'not a tenant ID',
      'Use the directory (tenant) GUID from `az account show --query tenantId`.',
    );
  }
  if (!GUID.test(clientId)) {
    throw E.invalid(
      'client-id',
      clientId,
      'not an application (client) ID',
      'Use the GUID of the app registration or managed identity.',
    );
  }
  if (clientSecret) {
    if (audience)
      throw E.notApplicable(
        'audience',
        audience,
        'it is only used with OpenID Connect, not with client-secret',
        'Remove it.',
      );
    return { kind: 'clientSecret', tenantId, clientId, clientSecret };
  }
  if (!env.ACTIONS_ID_TOKEN_REQUEST_URL) throw E.oidcUnavailable();
  return { kind: 'oidc', tenantId, clientId, audience: audience || defaultAudience };
}

function parseProvenance(env: Env): Provenance {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId } = env;
  const attempt = env.GITHUB_RUN_ATTEMPT;
  const runUrl =
    server && repository && runId
      ? `${server}/${repository}/actions/runs/${runId}${attempt && attempt !== '1' ? `/attempts/${attempt}` : ''}`
      : undefined;
  const all: Provenance = {
    repository,
    commit: env.GITHUB_SHA,
    ref: env.GITHUB_REF,
    workflow: env.GITHUB_WORKFLOW,
    runId,
    runUrl,
    actor: env.GITHUB_ACTOR,
  };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v)) as Provenance;
}

function parseTimeScale(env: Env): number {
  const value = env[TIME_SCALE_ENV]?.trim();
  if (!value) return 1;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 1) throw E.timeScale(value);
  return n;
}

// ---------------------------------------------------------------------------------------------

/**
 * Parses every input into BuildSettings. `read` returns an input's raw value ('' when unset);
 * `env` is the process environment (GITHUB_*, ACTIONS_ID_TOKEN_REQUEST_URL, AZURE_SUBSCRIPTION_ID,
 * AZURE_IMAGE_BUILD_TIME_SCALE); `now` dates a push-derived gallery version.
 * Throws SettingsError on the first bad value.
 */
export function parseSettings(read: Read, env: Env, now: Date = new Date()): BuildSettings {
  const inputs = new Inputs(read);
  const { source, rid: sourceId } = parseSource(inputs);
  const liveVm = source.kind === 'liveVm';
  if (liveVm) rejectLiveVmConflicts(inputs);
  const generalize = inputs.raw('generalize') ? inputs.bool('generalize') : !liveVm;

  const resourceGroup = inputs.raw('resource-group') || undefined;
  if (resourceGroup) checkName('resource-group', resourceGroup, 'resourceGroup');
  const location = inputs.raw('location') ? parseLocation('location', inputs.raw('location')) : undefined;
  const securityType = inputs.choice('security-type', ['Standard', 'TrustedLaunch'] as const);

  const managedImage = parseManagedImage(inputs, resourceGroup, source, generalize, securityType);
  const gallery = parseGallery(inputs, resourceGroup, location, env, now);
  if (!managedImage && !gallery) throw E.noTarget();

  const buildResourceGroup = inputs.raw('build-resource-group') || undefined;
  if (buildResourceGroup) checkName('build-resource-group', buildResourceGroup, 'resourceGroup');
  const subnetId = inputs.raw('subnet-id') || undefined;
  const subnet = subnetId
    ? parseTypedId(
        'subnet-id',
        subnetId,
        subnetId,
        'a subnet',
        'Microsoft.Network',
        'virtualNetworks',
        'subnets',
      )
    : undefined;

  const cloud = parseCloud(inputs);
  const { audience, ...cloudSettings } = cloud;
  const base = env.GITHUB_WORKSPACE || process.cwd();
  const manifestInput = inputs.raw('manifest-path');
  const targetName = gallery ? `${gallery.imageDefinition}-${gallery.version}` : managedImage!.name;
  const manifestPath = manifestInput
    ? resolve(base, manifestInput)
    : resolve(env.RUNNER_TEMP || tmpdir(), `azure-image-manifest-${targetName}.json`);

  return {
    subscriptionId: parseSubscription(inputs, env, [sourceId, subnet]),
    ...(location && { location }),
    source,
    scripts: parseScripts(inputs, env),
    scriptTimeoutMinutes: inputs.int('script-timeout-minutes', 1, 1440)!,
    ...(managedImage && { managedImage }),
    ...(gallery && { gallery }),
    vm: parseVm(inputs, securityType),
    generalize,
    generalizeTimeoutMinutes: inputs.int('generalize-timeout-minutes', 1, 240)!,
    windowsUpdate: inputs.bool('windows-update'),
    acceptMarketplaceTerms: inputs.bool('accept-marketplace-terms'),
    ...(buildResourceGroup && { buildResourceGroup }),
    ...(subnetId && { subnetId }),
    tags: parseTags(inputs.raw('tags')),
    keepResourcesOnFailure: inputs.bool('keep-resources-on-failure'),
    waitForCleanup: inputs.bool('wait-for-cleanup'),
    auth: parseAuth(inputs, env, audience),
    cloud: cloudSettings,
    provenance: parseProvenance(env),
    manifestPath: isAbsolute(manifestPath) ? manifestPath : resolve(manifestPath),
    timeScale: parseTimeScale(env),
  };
}

/**
 * The settings with the client secret removed and script contents replaced by their length: safe to
 * log with core.debug and to keep in the action's state for the post step.
 */
export function redactSettings(settings: BuildSettings): BuildSettings {
  const auth: AuthSettings =
    settings.auth.kind === 'clientSecret' ? { ...settings.auth, clientSecret: '' } : settings.auth;
  return {
    ...settings,
    auth,
    scripts: settings.scripts.map((s) => ({ ...s, content: `(${s.content.length} characters)` })),
  };
}
