// The model clock. Against Azure the model runs in real time (timeScale 1); against the emulator it
// runs faster (e.g. timeScale 0.002: one model second is 2 real ms). Every wait the action CHOOSES
// (sleeps, poll intervals) is given in model milliseconds and scaled here, and every duration the
// action REPORTS is converted back to model seconds, so figures stay comparable with Azure's own
// operation times (facts §6) whatever the scale. Waits Azure imposes (Retry-After on 429/503) are
// not ours to scale.

export class ModelClock {
  private readonly origin: number;

  constructor(
    readonly timeScale: number,
    private readonly realNow: () => number = () => performance.now(),
  ) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
      throw new Error(`timeScale must be a positive number, got ${timeScale}`);
    }
    this.origin = realNow();
  }

  /** Real milliseconds for a span of model milliseconds (at least 1 ms when the span is positive). */
  realMs(modelMs: number): number {
    if (modelMs <= 0) return 0;
    return Math.max(1, Math.round(modelMs * this.timeScale));
  }

  /** Model milliseconds since the clock was created. */
  nowModelMs(): number {
    return (this.realNow() - this.origin) / this.timeScale;
  }

  /** Starts a stopwatch; calling the result gives the model seconds elapsed since. */
  stopwatch(): () => number {
    const start = this.realNow();
    return () => (this.realNow() - start) / this.timeScale / 1000;
  }

  /** Waits modelMs on the model clock; rejects with an AbortError when the signal fires. */
  sleep(modelMs: number, signal?: AbortSignal): Promise<void> {
    return sleepReal(this.realMs(modelMs), signal);
  }
}

export function sleepReal(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortError(signal?: AbortSignal): Error {
  const err = new Error('The operation was aborted');
  err.name = 'AbortError';
  if (signal?.reason !== undefined) (err as Error & { cause?: unknown }).cause = signal.reason;
  return err;
}
