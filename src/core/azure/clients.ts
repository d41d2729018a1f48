// Every Azure client of the build is made here, with one credential, one set of pipeline options and
// one request counter. Nothing else in the code base constructs clients or sends HTTP to ARM.
import type { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import type { TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy, TlsSettings } from '@azure/core-rest-pipeline';
import type { BuildSettings, Host, PurchasePlan } from '../types.js';
import { createCredential } from './credential.js';
import { debugLogPolicy, newRequestStats, stripPollRetryAfterPolicy, type RequestStats } from './policies.js';

export const USER_AGENT_PREFIX = 'azure-image-build/0.1.0';

/**
 * Test-only hooks. Production code passes none: the emulator's CA is trusted through
 * NODE_EXTRA_CA_CERTS. A test that cannot set that variable may pass `tlsOptions: { ca }` here.
 */
export interface ClientHooks {
  tlsOptions?: TlsSettings;
  credential?: TokenCredential;
  additionalPolicies?: PipelinePolicy[];
}

export interface AzureClients {
  subscriptionId: string;
  /** Usable once `loadCompute()` has resolved (see compute-client.ts); before that, reading it throws. */
  readonly compute: ComputeManagementClient;
  /** Loads the Compute client (the first call starts it, every call gets the same promise). */
  loadCompute(): Promise<void>;
  resources: ResourceManagementClient;
  marketplace: MarketplaceTerms;
  stats: RequestStats;
}

export function createClients(settings: BuildSettings, host: Host, hooks: ClientHooks = {}): AzureClients {
  const credential = hooks.credential ?? createCredential(settings, host);
  const stats = newRequestStats();
  const options = {
    endpoint: settings.cloud.armEndpoint,
    credentials: { scopes: [settings.cloud.armScope] },
    userAgentOptions: { userAgentPrefix: USER_AGENT_PREFIX },
    // The SDK retry policy: 429/503 wait exactly Retry-After; 408/5xx and socket errors back off
    // exponentially from 1 s, capped (facts §5). Compute's Retry-After reaches minutes when throttled.
    retryOptions: { maxRetries: 6, retryDelayInMs: 1000, maxRetryDelayInMs: 64_000 },
    additionalPolicies: [
      { policy: debugLogPolicy(host.logger, stats), position: 'perRetry' as const },
      { policy: stripPollRetryAfterPolicy(), position: 'perCall' as const },
      { policy: runCommandInstanceViewPolicy(), position: 'perCall' as const },
      { policy: galleryVersionReplicationStatusPolicy(), position: 'perCall' as const },
      ...(hooks.additionalPolicies ?? []).map((policy) => ({ policy, position: 'perCall' as const })),
    ],
    ...(hooks.tlsOptions ? { tlsOptions: hooks.tlsOptions } : {}),
  };
  const resources = new ResourceManagementClient(credential, settings.subscriptionId, options);
  let compute: ComputeManagementClient | undefined;
  let computeLoaded: Promise<void> | undefined;
  return {
    subscriptionId: settings.subscriptionId,
    get compute(): ComputeManagementClient {
      if (!compute) throw new Error('The Compute client was used before clients.loadCompute() resolved.');
      return compute;
    },
    loadCompute() {
      computeLoaded ??= import('./compute-client.js').then((m) => {
        compute = m.createComputeClient(credential, settings.subscriptionId, options);
      });
      return computeLoaded;
    },
    resources,
    marketplace: marketplaceTerms(resources, settings.subscriptionId),
    stats,
  };
}

const RUN_COMMAND_URL = /\/virtualMachines\/[^/]+\/runCommands\/[^/?]+$/i;
const GALLERY_VERSION_URL = /\/galleries\/[^/]+\/images\/[^/]+\/versions\/[^/?]+$/i;

/** Adds `$expand=<expand>` to every GET of a resource whose path matches, unless it names its own `$expand`. */
function expandOnReadPolicy(name: string, path: RegExp, expand: string): PipelinePolicy {
  return {
    name,
    sendRequest(request, next) {
      if (request.method === 'GET') {
        const url = new URL(request.url);
        if (path.test(url.pathname) && !url.searchParams.has('$expand')) {
          url.searchParams.set('$expand', expand);
          request.url = url.toString();
        }
      }
      return next(request);
    },
  };
}

/**
 * Asks for the instance view whenever a managed run command is read (GET …/runCommands/{name}, facts §4:
 * `$expand=instanceView` gives executionState, exitCode, output and error). The SDK poller of a run
 * command PUT ends with a GET of the run command (the request URL of a PUT, fixed by @azure/core-lro),
 * so with this policy that GET already carries the script's outcome and the build needs no second read
 * of each run command. A GET that names its own `$expand` is left as it is.
 */
export function runCommandInstanceViewPolicy(): PipelinePolicy {
  return expandOnReadPolicy('azureImageBuildRunCommandInstanceView', RUN_COMMAND_URL, 'instanceView');
}

/**
 * Asks for the replication status whenever a gallery image version is read (GET …/versions/{v},
 * facts §3: `$expand=ReplicationStatus` gives each region's state and progress). The poller of a version
 * PUT ends with a GET of the version, so the result already says where it is usable and the last
 * progress line needs no further read.
 */
export function galleryVersionReplicationStatusPolicy(): PipelinePolicy {
  return expandOnReadPolicy(
    'azureImageBuildGalleryVersionReplicationStatus',
    GALLERY_VERSION_URL,
    'ReplicationStatus',
  );
}

/** Microsoft.MarketplaceOrdering agreements (facts §7), through the generic resource API of the same pipeline. */
export interface MarketplaceTerms {
  isAccepted(plan: PurchasePlan, signal?: AbortSignal): Promise<boolean>;
  accept(plan: PurchasePlan, signal?: AbortSignal): Promise<void>;
}

export const MARKETPLACE_ORDERING_API_VERSION = '2021-01-01';

export function agreementId(subscriptionId: string, plan: PurchasePlan): string {
  const e = encodeURIComponent;
  return (
    `/subscriptions/${subscriptionId}/providers/Microsoft.MarketplaceOrdering/offerTypes/virtualmachine` +
    `/publishers/${e(plan.publisher)}/offers/${e(plan.product)}/plans/${e(plan.name)}/agreements/current`
  );
}

/**
 * The `resourceId` argument of the by-ID operations of @azure/arm-resources 8: its URL template is
 * `/{+resourceId}`, so an ID passed with its leading slash becomes `//subscriptions/…`, which URL parsing
 * reads as a host (`subscriptions`) and a path without it.
 */
const byIdPath = (id: string): string => id.replace(/^\/+/, '');

function marketplaceTerms(resources: ResourceManagementClient, subscriptionId: string): MarketplaceTerms {
  const get = (plan: PurchasePlan, signal?: AbortSignal) =>
    resources.resources.getById(
      byIdPath(agreementId(subscriptionId, plan)),
      MARKETPLACE_ORDERING_API_VERSION,
      {
        abortSignal: signal,
      },
    );
  return {
    async isAccepted(plan, signal) {
      const agreement = await get(plan, signal);
      return (agreement.properties as { accepted?: boolean } | undefined)?.accepted === true;
    },
    async accept(plan, signal) {
      // The PUT echoes the current agreement (license link, signature…) with accepted set.
      const agreement = await get(plan, signal);
      await resources.resources.createOrUpdateById(
        byIdPath(agreementId(subscriptionId, plan)),
        MARKETPLACE_ORDERING_API_VERSION,
        { properties: { ...(agreement.properties as object), accepted: true } },
        { abortSignal: signal },
      );
    },
  };
}
