import type { RateTokens, TakeRateTokensRequest } from '../store/gate-types.ts';
import type { StoreCalls } from './store-calls.ts';

/**
 * The Redis store's rate-limit buckets (see `Store.takeRateTokens`): one string `rt:<key>` per
 * bucket, holding its tat and expiring once idle. All requests of a call go in one script,
 * applied in order.
 */
export class RedisRateTokens {
  readonly #calls: StoreCalls;

  constructor(calls: StoreCalls) {
    this.#calls = calls;
  }

  async take(requests: readonly TakeRateTokensRequest[]): Promise<RateTokens[]> {
    if (requests.length === 0) return [];
    const args: string[] = [];
    // String(number) is the shortest text that reads back as the same double: Lua's arithmetic
    // then starts from exactly the caller's values.
    for (const r of requests) args.push(r.key, String(r.nowMs), String(r.intervalMs), String(r.burst), String(r.want));
    const rows = (await this.#calls.script('takeRateTokens', args)) as Array<[number, string]>;
    return requests.map((request, i) => {
      const [granted, retryAtMs] = rows[i]!;
      return { key: request.key, granted: Number(granted), retryAtMs: Number(retryAtMs) };
    });
  }
}
