// The emulator's shared state, handed to every resource provider module.
import { ModelClock } from './clock.js';
import { ResourceStore, groupId, type ArmResource } from './store.js';
import { LroEngine } from './lro.js';
import { AuthService } from './auth.js';
import { Throttler, type ThrottleOptions } from './throttle.js';
import { Control } from './control.js';
import { LatencyModel, type LatencyName } from './latency.js';
import { ArmError, resourceGroupNotFound } from './errors.js';

export interface EmulatorConfig {
  /** Fraction of Azure's latencies spent in real time (facts §6 latencies × timeScale). */
  timeScale: number;
  subscriptionId: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Regions this fake cloud has. */
  locations: string[];
  throttling: ThrottleOptions;
  latency: Partial<Record<LatencyName, number>>;
  /** Directory holding per-VM guest sandboxes and captured disks. */
  dataDir: string;
  /** Real seconds an Entra access token lives (not scaled; see AuthOptions). */
  tokenLifetimeSeconds: number;
  oidcTokenLifetimeSeconds: number;
  oidcSubject: string;
}

export class EmulatorCore {
  readonly clock: ModelClock;
  readonly store = new ResourceStore();
  readonly lro: LroEngine;
  readonly auth: AuthService;
  readonly throttler: Throttler;
  readonly control = new Control();
  readonly latency: LatencyModel;
  /** State owned by individual providers (guests, blob clients, marketplace terms…), keyed by provider. */
  readonly state = new Map<string, unknown>();

  constructor(readonly config: EmulatorConfig) {
    this.clock = new ModelClock(config.timeScale);
    this.lro = new LroEngine(this.clock);
    this.latency = new LatencyModel(config.latency);
    this.throttler = new Throttler(this.clock, config.throttling);
    this.auth = new AuthService(this.clock, {
      tokenLifetimeSeconds: config.tokenLifetimeSeconds,
      oidcTokenLifetimeSeconds: config.oidcTokenLifetimeSeconds,
      oidcSubject: config.oidcSubject,
    });
  }

  /** Provider-owned state, created on first use. */
  stateOf<T>(key: string, create: () => T): T {
    if (!this.state.has(key)) this.state.set(key, create());
    return this.state.get(key) as T;
  }

  /**
   * The resource group a PUT goes into: 404 ResourceGroupNotFound when absent,
   * 409 ResourceGroupBeingDeleted while its deletion runs (ARM error codes,
   * learn.microsoft.com azure-resource-manager/troubleshooting/error-codes).
   */
  requireGroup(subscriptionId: string, resourceGroup: string, forWrite = true): ArmResource {
    const group = this.store.get(groupId(subscriptionId, resourceGroup));
    if (!group) throw resourceGroupNotFound(resourceGroup);
    if (forWrite && group.properties?.provisioningState === 'Deleting') {
      throw new ArmError(
        409,
        'ResourceGroupBeingDeleted',
        `The resource group '${resourceGroup}' is in deprovisioning state and cannot perform this operation.`,
      );
    }
    return group;
  }

  /** Validates a `location` against this cloud's regions (400 LocationNotAvailableForResourceType otherwise). */
  requireLocation(location: unknown, resourceType: string): string {
    if (typeof location !== 'string' || location.length === 0) {
      throw new ArmError(400, 'LocationRequired', 'The location property is required for this definition.');
    }
    const norm = location.toLowerCase().replace(/\s+/g, '');
    if (!this.config.locations.includes(norm)) {
      throw new ArmError(
        400,
        'LocationNotAvailableForResourceType',
        `The provided location '${location}' is not available for resource type '${resourceType}'. List of available regions for the resource type is '${this.config.locations.join(',')}'.`,
      );
    }
    return norm;
  }

  /** Model milliseconds of an Azure operation (facts §6). */
  ms(name: LatencyName): number {
    return this.latency.ms(name);
  }

  /** Every resource the emulator holds (groups included), for "nothing left behind" assertions. */
  inventory(): { id: string; type: string; provisioningState?: string }[] {
    return this.store
      .all()
      .map((r) => ({ id: r.id, type: r.type, provisioningState: r.properties?.provisioningState }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }
}
