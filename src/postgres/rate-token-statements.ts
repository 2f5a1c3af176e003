import { InvalidArgumentError } from '../errors.ts';
import type { RateTokens, TakeRateTokensRequest } from '../store/gate-types.ts';
import type { Row } from './row-mapping.ts';

// Store.takeRateTokens: the GCRA buckets of migrations/0010 (take_rate_tokens, one atomic upsert
// per request), the arguments it takes and the answers its rows make.

export function rateTokenStatements(s: string) {
  return {
    // $1 keys, $2 nowMs, $3 intervalMs, $4 burst, $5 want (one entry per request, doubles). One
    // row per request, in key order: its position `i`, what it granted, the bucket's tat after it.
    take: `SELECT * FROM ${s}.take_rate_tokens($1::text[], $2::float8[], $3::float8[], $4::float8[], $5::float8[])`,
  };
}

export type RateTokenStatements = ReturnType<typeof rateTokenStatements>;

/** The take_rate_tokens arguments; throws InvalidArgumentError for numbers the arithmetic cannot take. */
export function rateTokenParams(requests: readonly TakeRateTokensRequest[]): unknown[] {
  for (const request of requests) {
    const { key, nowMs, intervalMs, burst, want } = request;
    if (!(intervalMs > 0) || !Number.isFinite(intervalMs)) {
      throw new InvalidArgumentError(`Expected \`intervalMs\` of rate-limit key "${key}" to be a positive number, got ${String(intervalMs)}`);
    }
    if (![nowMs, burst, want].every(Number.isFinite)) {
      throw new InvalidArgumentError(`Expected \`nowMs\`, \`burst\` and \`want\` of rate-limit key "${key}" to be finite numbers, got ${nowMs}, ${burst}, ${want}`);
    }
  }
  return [
    requests.map((r) => r.key), requests.map((r) => r.nowMs), requests.map((r) => r.intervalMs), requests.map((r) => r.burst),
    requests.map((r) => r.want),
  ];
}

/**
 * The answers, in request order. retryAtMs is computed here from the stored tat, with the same
 * double arithmetic as the contract states it: max(nowMs, tat' − (burst − 1) × intervalMs).
 */
export function rateTokensOf(requests: readonly TakeRateTokensRequest[], rows: readonly Row[]): RateTokens[] {
  const byIndex = new Map(rows.map((row) => [Number(row.i) - 1, row]));
  return requests.map(({ key, nowMs, intervalMs, burst }, index) => {
    const row = byIndex.get(index);
    const tat = Number(row?.tat ?? nowMs);
    return { key, granted: Number(row?.granted ?? 0), retryAtMs: Math.max(nowMs, tat - (burst - 1) * intervalMs) };
  });
}
