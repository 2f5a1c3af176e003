import type { IntervalTriggerSpec } from '../domain/trigger.ts';
import { InvalidArgumentError } from '../errors.ts';
import { type Duration, parseDuration } from '../time/duration.ts';
import { type Instant, parseWindow } from './instant.ts';
import { type PreviewableTrigger, withPreview } from './preview.ts';

/**
 * The options of `every(interval, options)`: the grid's start, the window and the jitter.
 *
 * @example
 * every('15m', { startAt: '2026-01-01T00:00:00Z', jitter: '30s' })
 */
export interface EveryOptions {
  /**
   * The first fire; later fires are `startAt + k * interval`, so they stay on this grid even after
   * downtime. A `startAt` in the past is fine: the first fire is then the next grid point.
   * @defaultValue one interval after the schedule is created
   * @example every('1h', { startAt: '2026-01-01T00:00:00Z' }) // on the hour
   */
  startAt?: Instant | undefined;
  /**
   * No fire after this instant (a fire exactly at `endAt` still happens); the schedule then ends.
   * @defaultValue no end
   */
  endAt?: Instant | undefined;
  /**
   * Each job runs a deterministic 0..jitter after its fire time, to spread many schedules that share
   * a grid. Must be smaller than the interval.
   * @defaultValue 0
   * @example every('1h', { jitter: '5m' })
   */
  jitter?: Duration | undefined;
}

/**
 * A trigger that fires every `interval`.
 *
 * @param interval A positive {@link Duration}: `'30s'`, `'1h30m'`, or milliseconds.
 * @returns The spec (plain JSON), with a non-enumerable `nextFires(count)` to preview it.
 * @throws InvalidArgumentError for a non-positive interval, an `endAt` not after `startAt`, or a
 * jitter that is negative or not smaller than the interval.
 *
 * @example
 * await scheduler.schedule({ id: 'inventory', task: 'sync-inventory', trigger: every('5m') });
 */
export function every(interval: Duration, options?: EveryOptions): PreviewableTrigger<IntervalTriggerSpec> {
  const everyMs = parseDuration(interval, 'every');
  const { startAtMs, endAtMs } = parseWindow(options);
  const jitterMs = options?.jitter === undefined ? 0 : parseDuration(options.jitter, 'jitter', { allowZero: true });
  if (jitterMs >= everyMs) {
    throw new InvalidArgumentError(
      `Expected \`jitter\` to be smaller than the interval (${everyMs}ms), got ${JSON.stringify(options?.jitter)} (${jitterMs}ms)`,
    );
  }
  return withPreview({ type: 'interval', everyMs, startAtMs, endAtMs, jitterMs });
}
