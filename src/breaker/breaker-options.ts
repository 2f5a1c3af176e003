import { InvalidArgumentError } from '../errors.ts';
import { parseDuration, type Duration } from '../time/duration.ts';

/**
 * A task's circuit breaker, as written in `task(name, { breaker })`. Its state is kept in the
 * store and shared by every node: when the task's calls fail too often, no node starts its jobs
 * until `openFor` passes (they wait in the queue, neither failed nor lost); then one node lets
 * `halfOpenProbes` jobs through, and their success closes it again.
 */
export interface BreakerOptions {
  /** Opens when failed calls / all calls over the window reach this (0 < rate ≤ 1). @defaultValue 0.5 */
  failureRate?: number;
  /** Fewer calls than this in the window never open it. @defaultValue 10 */
  minimumCalls?: number;
  /** How far back calls count (a sliding window of 10 buckets). @defaultValue '1m' */
  window?: Duration;
  /** How long it stays open before it lets probes through. @defaultValue '30s' */
  openFor?: Duration;
  /** Jobs let through while half-open; all must succeed to close it, one failure opens it again. @defaultValue 1 */
  halfOpenProbes?: number;
}

/** `BreakerOptions` checked and in milliseconds. */
export interface BreakerPolicy {
  readonly failureRate: number;
  readonly minimumCalls: number;
  readonly windowMs: number;
  /** The window's bucket width: calls are counted per bucket, and the window slides by buckets. */
  readonly bucketMs: number;
  readonly openForMs: number;
  readonly halfOpenProbes: number;
}

export function resolveBreakerPolicy(options: BreakerOptions | undefined, taskName: string): BreakerPolicy | null {
  if (options === undefined) return null;
  const where = `breaker of task "${taskName}"`;
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError(`Expected \`${where}\` to be an object, got ${String(options)}`);
  const failureRate = options.failureRate ?? 0.5;
  if (typeof failureRate !== 'number' || !(failureRate > 0 && failureRate <= 1)) {
    throw new InvalidArgumentError(`Expected \`failureRate\` of the ${where} to be a number in (0, 1], got ${String(failureRate)}`);
  }
  const minimumCalls = positiveInteger(options.minimumCalls ?? 10, 'minimumCalls', where);
  const halfOpenProbes = positiveInteger(options.halfOpenProbes ?? 1, 'halfOpenProbes', where);
  const windowMs = parseDuration(options.window ?? '1m', `window of the ${where}`);
  const openForMs = parseDuration(options.openFor ?? '30s', `openFor of the ${where}`);
  return { failureRate, minimumCalls, windowMs, bucketMs: Math.max(1, Math.ceil(windowMs / 10)), openForMs, halfOpenProbes };
}

function positiveInteger(value: unknown, name: string, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`Expected \`${name}\` of the ${where} to be a positive integer, got ${String(value)}`);
  }
  return value;
}
