// Every user-facing message about bad settings is built here, so they read alike: each names the
// input (or environment variable), the value it had and how to fix it. Secret values are never echoed.

/** A setting that cannot be used. Raised before anything is created in Azure. */
export class SettingsError extends Error {
  /** The input name (e.g. `vm-size`) or environment variable the message is about. */
  readonly input: string;
  constructor(input: string, message: string) {
    super(message);
    this.name = 'SettingsError';
    this.input = input;
  }
}

const MAX_SHOWN = 200;

/** A value quoted for a message, shortened when very long, with line breaks made visible. */
export function quote(value: string): string {
  const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
  return `'${shown.replace(/\r?\n/g, '\\n')}'`;
}

/** A whole input value, or one entry of a list input (`{ entry }`). */
export type Shown = string | { entry: string };

function show(input: string, value: Shown): string {
  return typeof value === 'string'
    ? `Input '${input}' is ${quote(value)}`
    : `Input '${input}' has the entry ${quote(value.entry)}`;
}

function inputError(input: string, value: Shown, problem: string, fix: string): SettingsError {
  return new SettingsError(input, `${show(input, value)}: ${problem}. ${fix}`);
}

function missing(input: string, why: string, fix: string): SettingsError {
  return new SettingsError(input, `Input '${input}' is required${why ? ` ${why}` : ''}. ${fix}`);
}

function notApplicable(input: string, value: Shown, why: string, fix: string): SettingsError {
  return new SettingsError(input, `${show(input, value)}, but ${why}. ${fix}`);
}

const RESOURCE_ID_FORMS = [
  'a Marketplace URN publisher:offer:sku:version (version may be latest), e.g. Canonical:ubuntu-24_04-lts:server:latest',
  'a managed image ID /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Compute/images/<name>',
  'a gallery image version ID …/providers/Microsoft.Compute/galleries/<gallery>/images/<definition>/versions/<1.2.3>',
  'a gallery image definition ID …/galleries/<gallery>/images/<definition> (its latest version)',
  'the https URL of a VHD blob (with source-os-type and source-hyper-v-generation)',
  'a virtual machine ID …/providers/Microsoft.Compute/virtualMachines/<name> (captures that VM as a specialized version)',
];

export const settingsErrors = {
  boolean: (input: string, value: Shown) => inputError(input, value, 'not a boolean', 'Use true or false.'),

  integer: (input: string, value: Shown, min: number, max: number) =>
    inputError(
      input,
      value,
      `not a whole number from ${min} to ${max}`,
      `Use a whole number such as ${min}.`,
    ),

  choice: (input: string, value: Shown, allowed: readonly string[]) =>
    inputError(input, value, 'not one of the accepted values', `Use one of: ${allowed.join(', ')}.`),

  required: (input: string, why: string, fix: string) => missing(input, why, fix),

  notApplicable: (input: string, value: Shown, why: string, fix: string) =>
    notApplicable(input, value, why, fix),

  invalid: (input: string, value: Shown, problem: string, fix: string) =>
    inputError(input, value, problem, fix),

  baseImage: (value: string, problem: string) =>
    new SettingsError(
      'base-image',
      `Input 'base-image' is ${quote(value)}: ${problem}. Use one of:\n` +
        RESOURCE_ID_FORMS.map((form) => `  - ${form}`).join('\n'),
    ),

  resourceId: (input: string, value: Shown, expected: string) =>
    inputError(
      input,
      value,
      `not the resource ID of ${expected}`,
      `Copy the ID from the resource's JSON view in the portal or from \`az resource show --query id\`; it looks like /subscriptions/<subscription>/resourceGroups/<group>/providers/…`,
    ),

  name: (input: string, value: string, rule: string) =>
    inputError(input, value, 'not a valid Azure name', `Azure accepts ${rule}.`),

  location: (input: string, value: Shown) =>
    inputError(
      input,
      value,
      'not an Azure region name',
      'Use the programmatic region name, such as eastus or westeurope (see `az account list-locations -o table`).',
    ),

  noTarget: () =>
    new SettingsError(
      'image-name',
      "No output image was asked for. Set input 'image-name' (a managed image) and/or inputs 'gallery' and " +
        "'gallery-image-definition' (an Azure Compute Gallery version), each with 'resource-group'.",
    ),

  managedImageNotGeneralized: (reason: string) =>
    new SettingsError(
      'image-name',
      `Input 'image-name' asks for a managed image, but ${reason}. Azure only creates managed images from ` +
        "generalized VMs. Remove 'image-name' and publish to a gallery (inputs 'gallery' and " +
        "'gallery-image-definition'), whose definition can be Specialized.",
    ),

  managedImageTrustedLaunch: () =>
    new SettingsError(
      'image-name',
      "Input 'image-name' asks for a managed image, but input 'security-type' is TrustedLaunch. Managed images " +
        "cannot hold Trusted Launch VMs (secure boot, vTPM). Remove 'image-name' and publish to a gallery " +
        "(inputs 'gallery' and 'gallery-image-definition'), or set 'security-type: Standard'.",
    ),

  pairRequired: (given: string, needed: string, why: string) =>
    new SettingsError(needed, `Input '${given}' is set, so input '${needed}' is required too: ${why}.`),

  galleryOnly: (input: string, value: string) =>
    notApplicable(
      input,
      value,
      "it only applies to a gallery target and no 'gallery' is set",
      "Set inputs 'gallery' and 'gallery-image-definition', or remove this input.",
    ),

  vhdOnly: (input: string, value: string) =>
    notApplicable(
      input,
      value,
      "it only applies when 'base-image' is the URL of a VHD",
      'Remove this input, or set base-image to the https URL of the VHD blob.',
    ),

  liveVmConflict: (input: string, value: string) =>
    notApplicable(
      input,
      value,
      "'base-image' is a virtual machine ID: that VM is captured as it is, with no build VM, scripts or generalization",
      "Remove this input, or use an image (not a VM) as 'base-image' to build a new VM from it.",
    ),

  scriptPatternNoMatch: (pattern: string, base: string) =>
    notApplicable(
      'scripts',
      { entry: pattern },
      `that path or pattern matches no file under ${base}`,
      'Check the path (relative to the repository root, GITHUB_WORKSPACE) and that actions/checkout ran before this step.',
    ),

  scriptUnreadable: (path: string, reason: string) =>
    inputError(
      'scripts',
      path,
      `the file cannot be read (${reason})`,
      'Check the file exists and is readable.',
    ),

  restartAfterUnknown: (value: string, names: string[]) =>
    inputError(
      'restart-after',
      { entry: value },
      'names no script of this build',
      `Use a script's position (1 to ${names.length}) or its name: ${names.join(', ') || '(no scripts)'}.`,
    ),

  auth: (input: string, problem: string) => new SettingsError(input, `Input '${input}': ${problem}`),

  oidcUnavailable: () =>
    new SettingsError(
      'client-id',
      "Inputs 'tenant-id' and 'client-id' ask for OpenID Connect (workload identity federation), but the job " +
        'cannot request an ID token (ACTIONS_ID_TOKEN_REQUEST_URL is not set). Add `permissions: id-token: write` ' +
        '(and `contents: read`) to the workflow or job. Pull requests from forks never get ID tokens.',
    ),

  subscriptionMissing: () =>
    new SettingsError(
      'subscription-id',
      "Input 'subscription-id' is required: no subscription could be taken from 'base-image', 'subnet-id' or the " +
        'environment variable AZURE_SUBSCRIPTION_ID. Set subscription-id to the subscription that holds the resource group.',
    ),

  endpoint: (input: string, value: string, problem: string) =>
    inputError(
      input,
      value,
      problem,
      'Use an https URL such as https://management.azure.com (bearer tokens are only sent over TLS).',
    ),

  timeScale: (value: string) =>
    new SettingsError(
      'AZURE_IMAGE_BUILD_TIME_SCALE',
      `Environment variable AZURE_IMAGE_BUILD_TIME_SCALE is ${quote(value)}: not a number greater than 0 and at most 1. ` +
        'It is for tests against the emulator only; unset it for real builds.',
    ),

  galleryVersion: (input: string, value: string, problem: string) =>
    inputError(
      input,
      value,
      `not a gallery image version (${problem})`,
      'Use Major.Minor.Patch with whole numbers from 0 to 2147483647 and no leading zeros, e.g. 1.2.3.',
    ),

  tagNotVersion: (tag: string) =>
    new SettingsError(
      'gallery-image-version',
      `The workflow runs for tag ${quote(tag)}, which is not a version like v1.2.3 or 1.2.3, and input ` +
        "'gallery-image-version' is empty. Set 'gallery-image-version' explicitly, or tag the release as v<Major>.<Minor>.<Patch>.",
    ),
};

/** An image definition file (input `config`) that cannot be used: one line per problem. */
export function configFileError(path: string, problems: string[]): SettingsError {
  return new SettingsError(
    'config',
    `Input 'config' is ${quote(path)}: the image definition file cannot be used:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
  );
}

/** Adds where a value came from when it was read from the image definition file. */
export function fromConfigFile(error: SettingsError, path: string): SettingsError {
  return new SettingsError(
    error.input,
    `${error.message} (The value comes from the config file ${quote(path)}.)`,
  );
}

/** The message to report for anything thrown: Errors by message (with their cause), the rest as text. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const cause =
      error.cause instanceof Error && !error.message.includes(error.cause.message) ? error.cause : undefined;
    return cause ? `${error.message} (${cause.message})` : error.message;
  }
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}
