import { InvalidArgumentError } from '../errors.ts';
import type { RateTokens, TakeRateTokensRequest } from '../store/gate-types.ts';
import type { Row } from './row-mapping.ts';
import type { Statements } from './statements.ts';

/**
 * Store.takeRateTokens inside the caller's transaction: each request, in order, reads its key's
 * `tat`, applies the GCRA step of `TakeRateTokensRequest` and stores the new `tat`. The arithmetic
 * is JavaScript's doubles, written as the TSDoc gives it, and `tat` is stored REAL, so every store
 * computes the same values to the last bit.
 */
export function takeRateTokens(s: Statements, requests: readonly TakeRateTokensRequest[]): RateTokens[] {
  return requests.map((request) => takeOne(s, request));
}

function takeOne(s: Statements, request: TakeRateTokensRequest): RateTokens {
  const { key, nowMs, intervalMs, burst, want } = request;
  if (!(intervalMs > 0) || !Number.isFinite(intervalMs)) {
    throw new InvalidArgumentError(`Expected \`intervalMs\` of rate limit "${key}" to be a positive number, got ${String(intervalMs)}`);
  }
  if (!Number.isFinite(nowMs) || !Number.isFinite(burst) || !Number.isFinite(want)) {
    throw new InvalidArgumentError(`Expected \`nowMs\`, \`burst\` and \`want\` of rate limit "${key}" to be numbers`);
  }
  const stored = (s.rateTat.get(key) as Row | undefined)?.tat;
  // A damaged value reads as no value: the bucket is full, as for a new key.
  const storedTat = typeof stored === 'number' && Number.isFinite(stored) ? stored : null;
  const tat = storedTat === null || storedTat <= nowMs ? nowMs : storedTat;
  let granted = 0;
  let next = tat;
  if (want > 0) {
    const available = Math.max(0, Math.floor((nowMs + burst * intervalMs - tat) / intervalMs));
    granted = Math.min(want, available);
    next = tat + granted * intervalMs;
    s.setRateTat.run(key, next);
  } else if (want < 0) {
    next = Math.max(nowMs, tat + want * intervalMs);
    s.setRateTat.run(key, next);
  }
  return { key, granted, retryAtMs: Math.max(nowMs, next - (burst - 1) * intervalMs) };
}
