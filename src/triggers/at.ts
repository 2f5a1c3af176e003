import type { DateTriggerSpec } from '../domain/trigger.ts';
import { type Instant, parseInstant } from './instant.ts';
import { type PreviewableTrigger, withPreview } from './preview.ts';

/**
 * A trigger that fires once, at `when`.
 *
 * A `when` in the past is accepted: the schedule fires at once when it is created, unless its
 * `misfireGraceMs` has already run out, in which case the fire is recorded as missed and the
 * schedule ends. (The runtime applies that policy; this builder only records the instant.)
 *
 * @param when A `Date`, epoch milliseconds, or an ISO 8601 date-time with an offset
 *   (`'2026-05-01T10:00:00Z'`). A string without an offset is refused, because JavaScript would
 *   read it in each server's local time zone.
 * @returns The spec (plain JSON), with a non-enumerable `nextFires(count)` to preview it.
 * @throws InvalidArgumentError when `when` is not a valid instant.
 *
 * @example
 * await scheduler.schedule({ id: 'reminder:42', task: 'send-reminder', data: { userId: 42 }, trigger: at('2026-05-01T09:00:00+02:00') });
 */
export function at(when: Instant): PreviewableTrigger<DateTriggerSpec> {
  return withPreview({ type: 'date', runAtMs: parseInstant(when, 'at') });
}
