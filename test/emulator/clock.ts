// The emulator's model clock. Azure's latencies (facts §6) are modelled in "model
// time"; the time scale is the fraction of real time spent per model second, so a
// 15-minute build at timeScale 0.001 takes under a second of real time while every
// operation keeps its proportions. Everything time-dependent in the emulator reads
// this clock, never Date.now() directly.
export class ModelClock {
  private readonly realStart = performance.now();
  private readonly modelStart: number;

  constructor(readonly timeScale: number) {
    if (!(timeScale > 0 && timeScale <= 1)) throw new Error(`timeScale must be in (0, 1], got ${timeScale}`);
    this.modelStart = Date.now();
  }

  /** Model time in epoch milliseconds. */
  now(): number {
    return this.modelStart + (performance.now() - this.realStart) / this.timeScale;
  }

  nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  /** Real milliseconds that `modelMs` of model time takes. */
  toRealMs(modelMs: number): number {
    return modelMs * this.timeScale;
  }

  /** Resolves after `modelMs` of model time. */
  sleep(modelMs: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, Math.max(0, this.toRealMs(modelMs)));
      t.unref?.();
    });
  }

  /**
   * A Retry-After value (whole seconds, as HTTP requires) for a model-time wait.
   * Returns undefined when the scaled wait rounds below one second: sending
   * "Retry-After: 1" for 0.02 s of scaled time would make clients wait 50x too long,
   * distorting every duration measured on the model clock.
   */
  retryAfterHeader(modelSeconds: number): string | undefined {
    const real = modelSeconds * this.timeScale;
    if (this.timeScale === 1) return String(Math.max(0, Math.round(modelSeconds)));
    if (real < 1) return undefined;
    return String(Math.ceil(real));
  }
}
