import { ModelClock } from '../../src/core/clock.js';

describe('ModelClock', () => {
  it('scales waits and reports model time', () => {
    let now = 1000;
    const clock = new ModelClock(0.01, () => now);
    expect(clock.realMs(60_000)).toBe(600);
    expect(clock.realMs(0)).toBe(0);
    expect(clock.realMs(1)).toBe(1);
    const watch = clock.stopwatch();
    now += 250;
    expect(watch()).toBeCloseTo(25);
    expect(clock.nowModelMs()).toBeCloseTo(25_000);
  });

  it('rejects a non-positive time scale', () => {
    expect(() => new ModelClock(0)).toThrow(/timeScale/);
  });

  it('sleep rejects with AbortError when aborted', async () => {
    const clock = new ModelClock(1);
    const ac = new AbortController();
    const p = clock.sleep(60_000, ac.signal);
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });
});
