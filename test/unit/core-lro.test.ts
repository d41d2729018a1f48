import type { OperationState, PollerLike } from '@azure/core-lro';
import { ModelClock } from '../../src/core/clock.js';
import { BuildError } from '../../src/core/azure/errors.js';
import {
  SCHEDULES,
  galleryVersionSchedule,
  nextPollInterval,
  pollTimes,
  runLro,
} from '../../src/core/azure/lro.js';

const s = 1000;

describe('schedule math', () => {
  it('bounds each interval by the fraction of elapsed time, min and max', () => {
    const sch = { expectedMs: 10 * s, pollFraction: 0.1, minPollMs: 2 * s, maxPollMs: 5 * s };
    expect(nextPollInterval(sch, 10 * s)).toBe(2 * s);
    expect(nextPollInterval(sch, 30 * s)).toBe(3 * s);
    expect(nextPollInterval(sch, 600 * s)).toBe(5 * s);
  });

  it('first polls when the operation is expected to be done', () => {
    expect(pollTimes(SCHEDULES.vmCreate, 10 * s)).toEqual([54 * s]);
  });

  // Azure's durations (facts §6): poll count and detection lag stay small across the observed range.
  const cases: [string, keyof typeof SCHEDULES, number[], number, number][] = [
    // name, schedule, durations (s), max polls, max lag as a fraction of the duration
    ['VM create 54–62 s', 'vmCreate', [54, 58, 62], 5, 0.05],
    ['run command 20–60 s', 'runCommand', [20, 25, 40, 60], 10, 0.15],
    ['deallocate 23–53 s', 'deallocate', [23, 35, 46, 53], 9, 0.12],
    ['gallery version 8–11 min', 'galleryVersion', [480, 540, 600, 676], 20, 0.02],
  ];
  it.each(cases)('%s', (_name, key, durations, maxPolls, maxLag) => {
    for (const d of durations) {
      const times = pollTimes(SCHEDULES[key], d * s);
      const lag = times[times.length - 1] - d * s;
      expect(times.length).toBeLessThanOrEqual(maxPolls);
      expect(lag).toBeGreaterThanOrEqual(0);
      expect(lag / (d * s)).toBeLessThanOrEqual(maxLag);
    }
  });

  it('keeps polls bounded when Azure is far slower than expected (an hour of replication)', () => {
    expect(pollTimes(SCHEDULES.galleryVersion, 3600 * s).length).toBeLessThan(110);
  });

  it('expects more time for more regions', () => {
    expect(galleryVersionSchedule(3).expectedMs).toBeGreaterThan(galleryVersionSchedule(1).expectedMs);
    expect(galleryVersionSchedule(1)).toEqual(SCHEDULES.galleryVersion);
  });
});

/** A fake SDK poller: done after `pollsNeeded` polls (pure scheduling logic, no wire behaviour). */
function fakePoller(pollsNeeded: number, opts: { fail?: Error; submitError?: Error } = {}) {
  const calls = { polls: 0, submitted: 0 };
  let done = false;
  const poller = {
    get isDone() {
      return done;
    },
    async submitted() {
      calls.submitted++;
      if (opts.submitError) throw opts.submitError;
    },
    async poll() {
      calls.polls++;
      if (calls.polls >= pollsNeeded) {
        if (opts.fail) throw opts.fail;
        done = true;
      }
    },
    async pollUntilDone() {
      if (!done) throw new Error('not done');
      return 'result';
    },
  } as unknown as PollerLike<OperationState<string>, string>;
  return { poller, calls };
}

describe('runLro', () => {
  const clock = new ModelClock(0.0001);
  const schedule = { expectedMs: 10 * s, pollFraction: 0.1, minPollMs: 1 * s, maxPollMs: 5 * s };

  it('submits, sleeps until expected, polls until done and returns the result', async () => {
    const { poller, calls } = fakePoller(3);
    let interval = 0;
    const result = await runLro({ clock }, { phase: 'create-vm', schedule }, (o) => {
      interval = o.updateIntervalInMs;
      return poller;
    });
    expect(result).toBe('result');
    expect(calls).toEqual({ polls: 3, submitted: 1 });
    expect(interval).toBe(clock.realMs(1 * s));
  });

  it('turns a failure into a BuildError carrying the initial correlation id', async () => {
    const { poller } = fakePoller(1, {
      fail: new Error('The long-running operation has failed. AllocationFailed. No capacity.'),
    });
    const err = await runLro({ clock }, { phase: 'create-vm', schedule }, (o) => {
      o.onResponse({
        headers: { get: (h: string) => (h === 'x-ms-correlation-request-id' ? 'corr-9' : undefined) },
      });
      return poller;
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    expect((err as BuildError).message).toBe(
      "Phase 'create-vm' failed: AllocationFailed: No capacity. (correlation id: corr-9)",
    );
  });

  it('stops waiting when aborted', async () => {
    const { poller, calls } = fakePoller(1000);
    const ac = new AbortController();
    const slow = new ModelClock(1);
    const p = runLro({ clock: slow, signal: ac.signal }, { phase: 'deallocate', schedule }, () => poller);
    setTimeout(() => ac.abort(), 20);
    const err = (await p.catch((e: unknown) => e)) as BuildError;
    expect(err.code).toBe('Canceled');
    expect(calls.polls).toBe(0);
  });

  it('calls the progress tick while waiting', async () => {
    const { poller } = fakePoller(1);
    const ticks: number[] = [];
    await runLro(
      { clock: new ModelClock(0.002) },
      { phase: 'gallery-version', schedule, tick: { everyMs: 3 * s, fn: async (e) => void ticks.push(e) } },
      () => poller,
    );
    expect(ticks.length).toBeGreaterThanOrEqual(2);
  });
});
