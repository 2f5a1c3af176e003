import type { TriggerSpec } from '../domain/trigger.ts';
import { InvalidArgumentError } from '../errors.ts';
import { systemClock } from '../time/clock.ts';
import { type Instant, parseInstant } from './instant.ts';
import { firstFireAtMs, nextFireAfterMs } from './next-fire.ts';

/** The options of `nextFires(trigger, count, options)`: from which instant to list fires. All optional. */
export interface NextFiresOptions {
  /**
   * List the fires at or after this instant.
   * @defaultValue `now`
   * @example nextFires(trigger, 3, { after: '2027-01-01T00:00:00Z' })
   */
  after?: Instant | undefined;
  /**
   * When the schedule is (taken to be) created: the first fire is `firstFireAtMs(trigger, now)`,
   * which matters for triggers without `startAt` (an `every('1h')` fires an hour after `now`).
   * @defaultValue the system clock's now
   */
  now?: Instant | undefined;
}

/** The most fires one call lists. */
export const maxPreviewCount = 1000;

/**
 * The next `count` fire times of `trigger`, as a schedule created at `now` would fire them: the
 * first by `firstFireAtMs`, the following ones by `nextFireAfterMs`, keeping those at or after
 * `after`. Fewer than `count` when the trigger ends first (`endAt`, a date trigger's one fire).
 * Nominal times: a job's jitter is not added.
 *
 * @param count An integer from 1 to 1000.
 * @throws InvalidArgumentError for a bad `count`, `after` or `now`.
 *
 * @example
 * nextFires(cron('0 9 * * 1-5', { tz: 'Europe/Berlin' }), 5) // the next five weekday 09:00s in Berlin
 */
export function nextFires(trigger: TriggerSpec, count: number, options?: NextFiresOptions): Date[] {
  if (!Number.isInteger(count) || count < 1 || count > maxPreviewCount) {
    throw new InvalidArgumentError(`Expected \`count\` to be an integer from 1 to ${maxPreviewCount}, got ${String(count)}`);
  }
  const nowMs = options?.now === undefined ? systemClock.now() : parseInstant(options.now, 'now');
  const afterMs = options?.after === undefined ? nowMs : parseInstant(options.after, 'after');
  const fires: Date[] = [];
  let fireMs = firstFireAtMs(trigger, nowMs);
  if (fireMs !== null && fireMs < afterMs) fireMs = nextFireAfterMs(trigger, fireMs, afterMs - 1);
  while (fireMs !== null && fires.length < count) {
    fires.push(new Date(fireMs));
    fireMs = nextFireAfterMs(trigger, fireMs, fireMs);
  }
  return fires;
}

/** A trigger spec from a builder: plain JSON, plus a non-enumerable {@link nextFires} method. */
export type PreviewableTrigger<T extends TriggerSpec> = T & {
  /**
   * The next `count` fire times: {@link nextFires} of this trigger. Not enumerable: it is not part
   * of the spec, JSON.stringify and stores never see it.
   */
  nextFires(count: number, options?: NextFiresOptions): Date[];
};

/** `spec` with a non-enumerable `nextFires` method (the spec itself is unchanged). */
export function withPreview<T extends TriggerSpec>(spec: T): PreviewableTrigger<T> {
  Object.defineProperty(spec, 'nextFires', {
    value: (count: number, options?: NextFiresOptions): Date[] => nextFires(spec, count, options),
    enumerable: false,
    writable: true,
    configurable: true,
  });
  return spec as PreviewableTrigger<T>;
}
