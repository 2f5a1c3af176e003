import type { RateTokens, TakeRateTokensRequest } from '../store/gate-types.ts';

/**
 * MemoryStore's rate-limit buckets: one theoretical arrival time (`tat`, a double: intervals may
 * be fractional) per key, taken from and given back to by the GCRA arithmetic of
 * `TakeRateTokensRequest`, to the letter.
 */
export class RateBuckets {
  readonly #tats = new Map<string, number>();

  take(request: TakeRateTokensRequest): RateTokens {
    const { key, nowMs, intervalMs, burst, want } = request;
    const stored = this.#tats.get(key);
    let tat = stored === undefined || stored <= nowMs ? nowMs : stored;
    let granted = 0;
    if (want > 0) {
      const available = Math.max(0, Math.floor((nowMs + burst * intervalMs - tat) / intervalMs));
      granted = Math.min(want, available);
      tat += granted * intervalMs;
      this.#tats.set(key, tat);
    } else if (want < 0) {
      tat = Math.max(nowMs, tat + want * intervalMs);
      this.#tats.set(key, tat);
    }
    return { key, granted, retryAtMs: Math.max(nowMs, tat - (burst - 1) * intervalMs) };
  }
}
