// The requests and answers of the store's task gates (see `Store` in store.ts): circuit breakers
// and rate-limit buckets, state every node reads and writes so that a gate holds cluster-wide.
// The store keeps the state and applies writes atomically; the decisions (when a breaker opens,
// how many tokens a claim asks for) are the core's (src/breaker, src/rate-limit).

/** Where a task's circuit breaker is. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Every `BreakerState`, in order: closed, open, half-open (for validation and UIs). */
export const breakerStates = ['closed', 'open', 'half-open'] as const satisfies readonly BreakerState[];

/** An operator's override of a breaker: held open or closed whatever the failures; null: automatic. */
export type BreakerForce = 'open' | 'closed' | null;

/** A task's breaker as the store holds it, with the calls counted since it last changed. */
export interface BreakerRecord {
  task: string;
  state: BreakerState;
  forced: BreakerForce;
  /** When `state` last changed. */
  changedAtMs: number;
  /** While open: when it may turn half-open. Null otherwise. */
  openUntilMs: number | null;
  /** While half-open: the node that runs the probes. Null otherwise. */
  probeOwner: string | null;
  /** While half-open: until when `probeOwner` holds the probes (another node may take over after). */
  probeUntilMs: number | null;
  /** Bumped by every write (`writeBreaker` compares it). 1 for a new record. */
  version: number;
  /** Calls recorded (`recordBreakerCalls`) in buckets starting at or after `sinceMs` of the read, since the last write that cleared them. */
  succeeded: number;
  failed: number;
}

/**
 * The request of `Store.readBreakers`: which tasks' breaker records, and the window their calls are counted over.
 */
export interface ReadBreakersRequest {
  /** Only these tasks (those without a record are left out). Absent: every record. */
  tasks?: readonly string[];
  /** Count the calls in buckets whose start is >= this (the window). */
  sinceMs: number;
}

/** Calls (attempts that ended) of tasks with a breaker, counted per time bucket. */
export interface RecordBreakerCallsRequest {
  nowMs: number;
  /** The calls are added to the bucket starting at floor(nowMs / bucketMs) * bucketMs. */
  bucketMs: number;
  calls: ReadonlyArray<{ task: string; succeeded: number; failed: number }>;
  /** Buckets of these tasks starting before this are deleted (they left every window). */
  pruneBeforeMs: number;
}

/**
 * Writes a breaker's state: only when the stored record's version equals `expectedVersion` (0:
 * only when no record exists). The record gets version + 1 (1 when new) and the given fields.
 * With `clearCalls`, the task's counted calls are deleted in the same atomic step (the window
 * restarts). Returns whether it was written.
 */
export interface WriteBreakerRequest {
  task: string;
  expectedVersion: number;
  state: BreakerState;
  forced: BreakerForce;
  changedAtMs: number;
  openUntilMs: number | null;
  probeOwner: string | null;
  probeUntilMs: number | null;
  clearCalls: boolean;
}

/**
 * Takes tokens from a rate-limit bucket (GCRA: a token bucket of capacity `burst`, refilled at one
 * token per `intervalMs`, kept as one number, the theoretical arrival time `tat`). For a key with
 * no stored `tat`, or one at or before `nowMs`, tat = nowMs. Then:
 *
 * - want > 0: available = floor((nowMs + burst × intervalMs − tat) / intervalMs), at least 0;
 *   granted = min(want, available); tat + granted × intervalMs is stored.
 * - want < 0 (a refund of tokens taken and not used): tat = max(nowMs, tat + want × intervalMs)
 *   is stored; granted = 0.
 * - want = 0: nothing is stored; granted = 0 (a read).
 *
 * `retryAtMs` is the earliest instant at which one more token is available after this step:
 * max(nowMs, tat' − (burst − 1) × intervalMs). Requests are applied in order, each atomically.
 */
export interface TakeRateTokensRequest {
  key: string;
  nowMs: number;
  intervalMs: number;
  burst: number;
  want: number;
}

/**
 * The answer of `Store.takeRateTokens` for one request: tokens granted (0 for a refund or read),
 * and the earliest instant (epoch ms) at which one more token is available.
 */
export interface RateTokens {
  key: string;
  granted: number;
  retryAtMs: number;
}
