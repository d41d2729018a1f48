// Throttling as Azure does it (facts §5):
// - ARM: token buckets per subscription and principal (reads 250 refilling 25/s,
//   writes 200 refilling 10/s; deletes modelled like writes, unverified), reported in
//   x-ms-ratelimit-remaining-subscription-{reads|writes|deletes}; exhausted -> 429
//   SubscriptionRequestsThrottled with Retry-After.
// - Compute: per-policy counters over 3-minute and 30-minute windows, reported in
//   x-ms-ratelimit-remaining-resource ("Microsoft.Compute/PutVM3Min;240,Microsoft.Compute/PutVM30Min;1200");
//   exhausted -> 429 with code OperationNotAllowed, details[].code TooManyRequests and
//   target e.g. HighCostGet3Min, plus Retry-After (SupportArticles-docs
//   troubleshooting-throttling-errors.md; aks-engine#2295).
// All windows run on the model clock; Retry-After is scaled to real seconds.
import { ArmError } from './errors.js';
import type { ModelClock } from './clock.js';
import type { RequestKind } from './router.js';

/** Observed Compute ceilings (3 min / 30 min), facts §5. */
export const COMPUTE_POLICIES: Record<string, [number, number]> = {
  PutVM: [240, 1200],
  UpdateVM: [240, 1200],
  DeleteVM: [240, 1200],
  LowCostGet: [4000, 32000],
  HighCostGet: [140, 660],
  GetOperation: [15000, 30000],
  CreateUpdateGallery: [50, 300],
  CreateUpdateGalleryImage: [150, 750],
  CreateUpdateGalleryImageVersion: [375, 1200],
};

export interface ThrottleOptions {
  enabled: boolean;
  /** Multiplies every limit (e.g. 0.05 in a test to reach 429s quickly). */
  limitFactor: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const ARM_BUCKETS: Record<'reads' | 'writes' | 'deletes', { capacity: number; refillPerSecond: number }> = {
  reads: { capacity: 250, refillPerSecond: 25 },
  writes: { capacity: 200, refillPerSecond: 10 },
  deletes: { capacity: 200, refillPerSecond: 10 },
};

export class Throttler {
  private readonly buckets = new Map<string, Bucket>();
  private readonly computeEvents = new Map<string, number[]>();
  /** 429s sent, for tests and the benchmark. */
  throttled = 0;

  constructor(
    private readonly clock: ModelClock,
    readonly options: ThrottleOptions,
  ) {}

  /** Charges one request; returns the rate-limit headers, or throws a 429 ArmError. */
  charge(
    subscriptionId: string,
    principalId: string,
    kind: RequestKind,
    computePolicy?: string,
  ): Record<string, string> {
    const headers: Record<string, string> = {};
    const bucketName =
      kind === 'read' || kind === 'poll' ? 'reads' : kind === 'delete' ? 'deletes' : 'writes';
    const spec = ARM_BUCKETS[bucketName];
    const capacity = Math.max(1, Math.floor(spec.capacity * this.options.limitFactor));
    const refill = spec.refillPerSecond * this.options.limitFactor;
    const key = `${subscriptionId}|${principalId}|${bucketName}`.toLowerCase();
    const now = this.clock.now();
    const b = this.buckets.get(key) ?? { tokens: capacity, at: now };
    b.tokens = Math.min(capacity, b.tokens + ((now - b.at) / 1000) * refill);
    b.at = now;
    this.buckets.set(key, b);
    if (this.options.enabled && b.tokens < 1) {
      const waitSeconds = Math.ceil((1 - b.tokens) / refill);
      this.throttled++;
      throw new ArmError(
        429,
        'SubscriptionRequestsThrottled',
        `Number of '${bucketName.slice(0, -1)}' requests for subscription '${subscriptionId}' actor '${principalId}' exceeded. Please try again after '${waitSeconds}' seconds after the first request. The current limit is '${capacity}'.`,
        undefined,
        undefined,
        this.retryAfter(waitSeconds),
      );
    }
    b.tokens -= 1;
    headers[`x-ms-ratelimit-remaining-subscription-${bucketName}`] = String(Math.floor(b.tokens));
    if (computePolicy) Object.assign(headers, this.chargeCompute(subscriptionId, computePolicy, now));
    return headers;
  }

  private chargeCompute(subscriptionId: string, policy: string, now: number): Record<string, string> {
    const limits = COMPUTE_POLICIES[policy];
    if (!limits) return {};
    const [l3, l30] = limits.map((l) => Math.max(1, Math.floor(l * this.options.limitFactor)));
    const key = `${subscriptionId}|${policy}`.toLowerCase();
    const events = (this.computeEvents.get(key) ?? []).filter((t) => now - t < 30 * 60_000);
    this.computeEvents.set(key, events);
    const in3 = events.filter((t) => now - t < 3 * 60_000);
    const windows: [string, number, number[], number][] = [
      [`${policy}3Min`, l3, in3, 3 * 60_000],
      [`${policy}30Min`, l30, events, 30 * 60_000],
    ];
    if (this.options.enabled) {
      for (const [target, limit, inWindow, span] of windows) {
        if (inWindow.length >= limit) {
          const waitSeconds = Math.max(1, Math.ceil((inWindow[0] + span - now) / 1000));
          this.throttled++;
          throw new ArmError(
            429,
            'OperationNotAllowed',
            'The server rejected the request because too many requests have been received for this subscription.',
            [
              {
                code: 'TooManyRequests',
                target,
                message: JSON.stringify({
                  operationGroup: target,
                  startTime: new Date(inWindow[0]).toISOString(),
                  endTime: new Date(inWindow[0] + span).toISOString(),
                  allowedRequestCount: limit,
                  measuredRequestCount: inWindow.length + 1,
                }),
              },
            ],
            undefined,
            {
              ...this.retryAfter(waitSeconds),
              'x-ms-ratelimit-remaining-resource': `Microsoft.Compute/${target};0`,
            },
          );
        }
      }
    }
    events.push(now);
    return {
      'x-ms-ratelimit-remaining-resource': `Microsoft.Compute/${policy}3Min;${l3 - in3.length - 1},Microsoft.Compute/${policy}30Min;${l30 - events.length}`,
    };
  }

  /** Retry-After in whole real seconds (HTTP), at least 1 so the SDK's retry policy honours it. */
  private retryAfter(modelSeconds: number): Record<string, string> {
    return { 'retry-after': this.clock.retryAfterHeader(modelSeconds) ?? '1' };
  }
}
