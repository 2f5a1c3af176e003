import { TerminalError } from '../errors.ts';
import { parseDuration, type Duration } from '../time/duration.ts';

/**
 * What a reconcile returns (controller-runtime's `reconcile.Result`): nothing when the key is in
 * its desired state; `{ requeueAfter }` to look again later (e.g. to poll an external system);
 * `{ requeue: true }` to come back after the rate limiter's delay without counting as an error.
 * To fail, throw: a `TerminalError` is not retried, any other error is, with backoff.
 */
export type ReconcileResult = void | { requeueAfter: Duration } | { requeue: true };

/** What a reconcile's outcome does to its key in the queue (controller-runtime's `reconcileHandler` switch). */
export type Plan = { kind: 'forget' } | { kind: 'after'; delayMs: number } | { kind: 'rateLimited' };

/**
 * Reads a reconcile's result. `requeueAfter` wins over `requeue`, as in controller-runtime; an
 * invalid `requeueAfter` throws, and is handled as the reconcile's error. `{ requeueAfter: 0 }`
 * requeues at once: in Go, 0 is the unset zero value, while here the property is set on purpose.
 */
export function planFor(result: ReconcileResult): Plan {
  if (result === undefined || result === null || typeof result !== 'object') return { kind: 'forget' };
  if ('requeueAfter' in result && result.requeueAfter !== undefined) {
    return { kind: 'after', delayMs: parseDuration(result.requeueAfter, 'requeueAfter', { allowZero: true }) };
  }
  if ('requeue' in result && result.requeue === true) return { kind: 'rateLimited' };
  return { kind: 'forget' };
}

/** A `TerminalError`, or an error caused by one (Go's `errors.Is` looks through wrapping the same way). */
export function isTerminal(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 10 && current instanceof Error; depth++) {
    if (current instanceof TerminalError) return true;
    current = current.cause;
  }
  return false;
}
