import type { OperationState, PollerLike } from '@azure/core-lro';
import { ModelClock } from '../../src/core/clock.js';
import { BuildError } from '../../src/core/azure/errors.js';
import {
  SCHEDULES,
  galleryVersionSchedule,
  nextPollInterval,
  planFromProgress,
  pollTimes,
  predictPartEnd,
  PROGRESS_GUIDE,
  runLro,
  type ProgressReading,
  type Schedule,
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

describe('waiting guided by replication progress', () => {
  const reading = (atS: number, percent: number, done = false): ProgressReading => ({
    atMs: atS * s,
    percent,
    done,
  });

  it('predicts a window that holds the true end of a linear copy, ignoring 0% readings', () => {
    // 540 s copy, floor-rounded percentages.
    const pct = (t: number) => Math.floor((100 * t) / 540);
    const [a, b] = predictPartEnd([reading(0, 0), reading(180, pct(180)), reading(360, pct(360))])!;
    expect(a).toBeLessThanOrEqual(540 * s);
    expect(b).toBeGreaterThanOrEqual(540 * s);
    expect(predictPartEnd([reading(180, 0), reading(360, 0)])).toBeUndefined();
    expect(predictPartEnd([reading(180, 40)])).toBeUndefined();
    expect(predictPartEnd([reading(180, 40), reading(360, 40)])).toBeUndefined();
  });

  it('polls at once when every region is done or one failed; without a prediction only reads again', () => {
    const sch = SCHEDULES.galleryVersion;
    expect(planFromProgress([[reading(180, 100, true)]], 180 * s, sch)).toMatchObject({ pollAtMs: 180 * s });
    expect(
      planFromProgress([[{ ...reading(180, 50), failed: true }], [reading(180, 20)]], 180 * s, sch),
    ).toMatchObject({ pollAtMs: 180 * s });
    const plan = planFromProgress([[reading(180, 33)]], 180 * s, sch);
    expect(plan.pollAtMs).toBeUndefined();
    expect(plan.nextTickAtMs).toBe(180 * s + PROGRESS_GUIDE.readEveryMs);
  });

  /**
   * The wait of runLro (awaitSubmitted) on a model clock: readings at the tick times, polls at the
   * poll times, each reading re-planning both. `truth(regionIndex, t)` is each region's real progress.
   */
  function simulate(
    schedule: Schedule,
    regions: number,
    endS: number,
    truth: (region: number, tS: number) => number,
    round: (x: number) => number = Math.floor,
  ) {
    const history: ProgressReading[][] = Array.from({ length: regions }, () => []);
    let nextPoll = schedule.expectedMs;
    let interval: number | undefined;
    let nextTick: number = PROGRESS_GUIDE.readEveryMs;
    let reads = 0;
    let polls = 0;
    for (let now = 0; now < 10 * 3600 * s;) {
      now = Math.min(nextPoll, nextTick);
      if (now >= nextTick) {
        reads++;
        history.forEach((h, i) => {
          const p = Math.min(100, Math.max(0, truth(i, now / s)));
          h.push({ atMs: now, percent: p >= 100 ? 100 : Math.min(99, round(p)), done: p >= 100 });
        });
        const plan = planFromProgress(history, now, schedule);
        nextTick = plan.nextTickAtMs ?? now + PROGRESS_GUIDE.readEveryMs;
        if (plan.pollAtMs !== undefined) {
          nextPoll = plan.pollAtMs;
          interval = plan.pollIntervalMs;
        }
      }
      if (now >= nextPoll) {
        polls++;
        if (now >= endS * s) return { reads, polls, lagS: now / s - endS };
        nextPoll = now + (interval ?? nextPollInterval(schedule, now));
      }
    }
    throw new Error('never done');
  }

  // One region, 8–11 min (facts §6), progress from the start or after a late start, floor or round.
  it('one region of 8–11 min: lag within 1% + a poll, at most 7 requests, better than the schedule alone', () => {
    let worstOld = 0;
    let worstNew = 0;
    let requestsOld = 0;
    let requestsNew = 0;
    for (const d of [480, 500, 540, 600, 660, 676])
      for (const delay of [0, 60])
        for (const round of [Math.floor, Math.round]) {
          const sim = simulate(
            SCHEDULES.galleryVersion,
            1,
            d,
            (_i, t) => (100 * (t - delay)) / (d - delay),
            round,
          );
          expect(sim.lagS).toBeGreaterThanOrEqual(0);
          expect(sim.lagS).toBeLessThanOrEqual(Math.max(5, 0.01 * d) + 1);
          expect(sim.reads + sim.polls).toBeLessThanOrEqual(7);
          // The schedule alone, with a progress read every 3 minutes for the log.
          const old = pollTimes(SCHEDULES.galleryVersion, d * s);
          worstOld = Math.max(worstOld, old[old.length - 1] / s - d);
          worstNew = Math.max(worstNew, sim.lagS);
          requestsOld += old.length + Math.floor(d / 180);
          requestsNew += sim.reads + sim.polls;
        }
    expect(worstNew).toBeLessThan(worstOld);
    expect(requestsNew).toBeLessThan(requestsOld / 2);
  });

  it.each([
    [840, 150],
    [900, 150],
    [1200, 200],
  ])('three regions ending up to %i s (%i s apart): lag within 1%% + a poll', (last, gap) => {
    const ends = [last - 2 * gap, last - gap, last];
    const sim = simulate(galleryVersionSchedule(3), 3, last, (i, t) => (100 * t) / ends[i]);
    expect(sim.lagS).toBeGreaterThanOrEqual(0);
    expect(sim.lagS).toBeLessThanOrEqual(Math.max(5, 0.01 * last) + 1);
    expect(sim.reads + sim.polls).toBeLessThanOrEqual(Math.ceil(last / 180) + 4);
  });

  it('a copy that speeds up near the end is still seen within a reading interval', () => {
    // Half the rate for the first 6 minutes, then three times faster: ends at 7.7 min.
    const truth = (_i: number, t: number) => (t <= 360 ? (t / 720) * 100 : 50 + ((t - 360) / 120) * 50 * 1.2);
    const end = 360 + 120 / 1.2;
    const sim = simulate(SCHEDULES.galleryVersion, 1, end, truth);
    expect(sim.lagS).toBeLessThanOrEqual(PROGRESS_GUIDE.readEveryMs / s);
  });

  it('without progress figures the schedule of facts §6 stands', () => {
    const sim = simulate(SCHEDULES.galleryVersion, 1, 600, () => 0);
    const old = pollTimes(SCHEDULES.galleryVersion, 600 * s);
    expect(sim.polls).toBe(old.length);
    expect(sim.lagS).toBeCloseTo(old[old.length - 1] / s - 600, 6);
  });

  it('runLro takes the poll times a progress tick gives', async () => {
    let polls = 0;
    let done = false;
    const poller = {
      get isDone() {
        return done;
      },
      async submitted() {},
      async poll() {
        polls++;
        done = true;
      },
      async pollUntilDone() {
        return 'ok';
      },
    } as unknown as PollerLike<OperationState<string>, string>;
    const ticks: number[] = [];
    const schedule = { expectedMs: 1 * s, pollFraction: 0.1, minPollMs: 1 * s, maxPollMs: 5 * s };
    await runLro(
      { clock: new ModelClock(0.002) },
      {
        phase: 'gallery-version',
        schedule,
        tick: {
          everyMs: 0.5 * s,
          fn: async (e) => {
            ticks.push(e);
            return ticks.length < 3 ? { pollAtMs: 10 * s, nextTickAtMs: e + 0.5 * s } : { pollAtMs: e };
          },
        },
      },
      () => poller,
    );
    // No poll at the schedule's 1 s: the ticks moved it; the third tick asked for it at once.
    expect(ticks).toHaveLength(3);
    expect(polls).toBe(1);
  });
});
