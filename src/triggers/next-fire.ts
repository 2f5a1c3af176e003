/**
 * Fire-time arithmetic: pure functions of a trigger spec and explicit instants, so every node and
 * every store computes the same fire times.
 *
 * **Cron and daylight saving time.** Cron expressions are evaluated by croner in the trigger's
 * time zone (UTC when none), under the trigger's `dst` policy (see `DstPolicy`; the corrections to
 * croner are in cron-dst.ts). A *gap* is a span of wall times that does not exist (the offset
 * grows: spring forward); a *repeat* is a span that happens twice (the offset drops: fall back).
 * Both rules hold for a shift of any size (30 min on Lord Howe Island, 1 h, 2 h in
 * Antarctica/Troll) and for a gap or repeat that crosses midnight.
 *
 * - `vixie` (default), as classic cron. *Fixed-time* expressions have no wildcard or step in
 *   seconds, minutes and hours (`0 30 2 * * *`, `30 2,14 * * *`). A wall time that does not exist
 *   fires once, at the first valid instant after the gap (the change instant): in Europe/Berlin on
 *   2026-03-29, `0 30 2 * * *` fires at 03:00 CEST (01:00Z); in America/Nuuk, where 2024-03-30
 *   23:00 -02 jumps to 2024-03-31 00:00 -01 (01:00Z), `30 23 * * *` fires at 00:00 -01 on the next
 *   day (and again at 23:30 that day). A wall time that happens twice fires once, at its first
 *   occurrence: on 2026-10-25 at 02:30 CEST (00:30Z), not again at 02:30 CET. Other expressions
 *   (`0 0 * * * *`, `*\/15 * * * *`) follow real time: wall times in a gap do not fire (an hourly
 *   expression fires 23 times on 2026-03-29 in Berlin) and repeated wall times fire on both
 *   occurrences (25 times on 2026-10-25).
 * - `strict` (OCPS 1.4 §4.3.1): no expression fires at a wall time that does not exist (not even a
 *   fixed-time one after the gap, so the Nuuk fire above does not happen), and a wall time that
 *   happens twice fires once, at its first occurrence: a daily `0 30 2 * * *` does not fire on the
 *   spring-forward day, an hourly expression fires 24 times, not 25, on the fall-back day, and an
 *   every-minute or every-second expression fires through the first occurrence, then not at all
 *   during the repeat, then again from its end (Berlin: 02:59 CEST, then 03:00 CET). The repeat is
 *   skipped in one step, and a schedule created during it gets its first fire at the repeat's end.
 *   A strict expression whose every match is skipped (`30 2 * 3 0L` in Berlin) has no fires.
 *
 * Croner works to the second: fire times of cron triggers are always whole seconds.
 */
import type { CronTriggerSpec, TriggerSpec } from '../domain/trigger.ts';
import { calendarFirstFireAtMs, calendarNextFireAfterMs } from './calendar-math.ts';
import { cronFiresAtOrBeforeMs as cronFiresAtOrBeforeMsUnderPolicy, cronNextAfterMs } from './cron-dst.ts';

/**
 * The first fire of a newly created schedule, or null when the trigger has none left.
 *
 * - date: `runAtMs`, even when it is in the past (the misfire policy then decides).
 * - interval: `startAtMs` when it is now or later; when it is in the past, the first
 *   `startAtMs + k * everyMs` that is `>= nowMs`; without `startAtMs`, `nowMs + everyMs`.
 * - cron: the first match strictly after `nowMs`, and not before `startAtMs`.
 *
 * Null when that fire would be after `endAtMs`.
 */
export function firstFireAtMs(trigger: TriggerSpec, nowMs: number): number | null {
  switch (trigger.type) {
    case 'date':
      return trigger.runAtMs;
    case 'interval': {
      const { everyMs, startAtMs, endAtMs } = trigger;
      let fireMs: number;
      if (startAtMs === null) fireMs = nowMs + everyMs;
      else if (startAtMs >= nowMs) fireMs = startAtMs;
      else fireMs = startAtMs + Math.ceil((nowMs - startAtMs) / everyMs) * everyMs;
      return endAtMs !== null && fireMs > endAtMs ? null : fireMs;
    }
    case 'cron':
      return cronNextAfterMs(trigger, nowMs);
    case 'calendar':
      return calendarFirstFireAtMs(trigger, nowMs);
  }
}

/**
 * The smallest fire time strictly greater than `afterMs` in the trigger's sequence, or null when
 * there is none (a date trigger never fires twice; nothing after `endAtMs`).
 *
 * - interval: the grid `anchor + k * everyMs` (k >= 0), where the anchor is `startAtMs` when set,
 *   else `previousFireMs` (the grid then continues from the fire before). Computed in O(1), so a
 *   long downtime costs nothing.
 * - cron: croner's next match after `afterMs` in the trigger's time zone, not before `startAtMs`.
 *
 * To step through the sequence one fire at a time, pass the same instant twice:
 * `nextFireAfterMs(trigger, fireMs, fireMs)`.
 */
export function nextFireAfterMs(trigger: TriggerSpec, previousFireMs: number, afterMs: number): number | null {
  switch (trigger.type) {
    case 'date':
      return null;
    case 'interval': {
      const { everyMs, endAtMs } = trigger;
      const anchorMs = trigger.startAtMs ?? previousFireMs;
      const fireMs = afterMs < anchorMs ? anchorMs : anchorMs + (Math.floor((afterMs - anchorMs) / everyMs) + 1) * everyMs;
      return endAtMs !== null && fireMs > endAtMs ? null : fireMs;
    }
    case 'cron':
      return cronNextAfterMs(trigger, afterMs);
    case 'calendar':
      return calendarNextFireAfterMs(trigger, previousFireMs, afterMs);
  }
}

/**
 * Up to `count` cron fires at or before `atOrBeforeMs` (and not before `startAtMs`), oldest first,
 * under the trigger's DST policy. Used to find the newest fires after a downtime too long to
 * enumerate from its start.
 */
export function cronFiresAtOrBeforeMs(trigger: CronTriggerSpec, atOrBeforeMs: number, count: number): number[] {
  return cronFiresAtOrBeforeMsUnderPolicy(trigger, atOrBeforeMs, count);
}

/**
 * The delay between a fire's nominal time and its job's `runAtMs`: a deterministic value in
 * `[0, jitterMs]`, from the 32-bit FNV-1a hash of `${scheduleId}:${fireAtMs}` (UTF-8). Every node
 * and store computes the same run time for the same fire, so a retried release creates the same job.
 */
export function jitterOffsetMs(scheduleId: string, fireAtMs: number, jitterMs: number): number {
  if (!(jitterMs > 0)) return 0;
  const span = Math.floor(jitterMs) + 1;
  // Scale rather than take a remainder: uniform, and still covers jitters beyond 2^32 ms.
  return Math.floor((fnv1a32(`${scheduleId}:${fireAtMs}`) / 0x1_0000_0000) * span);
}

const encoder = new TextEncoder();

/** 32-bit FNV-1a, as an unsigned integer. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
