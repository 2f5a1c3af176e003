/**
 * Cron fire times under a trigger's DST policy (see `DstPolicy` and the header of next-fire.ts for
 * the rules). Croner computes the runs of the expression in the trigger's time zone; this module
 * corrects them where croner and the policy differ:
 *
 * - `strict` drops croner runs whose wall time does not match the expression (moved past a gap)
 *   and the second occurrences of repeated wall times. A repeated period is skipped in one step:
 *   the offset drop `d` is read from the offsets around the run, the change instant `T` is found by
 *   binary search on the UTC offset, and croner continues from `T + d`. So an every-second
 *   expression costs the same as a daily one, for a drop of any size (30 min on Lord Howe Island,
 *   1 h, 2 h in Antarctica/Troll).
 * - `vixie` adds, for a fixed-time expression, the fire croner drops when a matching wall time
 *   falls in a gap that ends on another day than it starts (America/Nuuk, 2024-03-30: 23:00 -02
 *   jumps to 00:00 -01): the fire is at the first valid instant after the gap, the change instant.
 */
import type { CronTriggerSpec } from '../domain/trigger.ts';
import { cronFor } from './croner-cache.ts';
import { offsetMs } from './zone-offset.ts';

const secondMs = 1_000;
const dayMs = 86_400_000;
const weekMs = 7 * dayMs;
/** The widest possible offset change: from UTC-12 to UTC+14. */
const maxOffsetChangeMs = 26 * 3_600_000;
/**
 * Croner runs skipped in a row within one call. Each skip passes one DST change (a moved run, or a
 * whole repeated period), so this is only reached by an expression whose every match is skipped
 * under `strict` (`30 2 * 3 0L` in Europe/Berlin): it then has no fires left.
 */
const maxSkippedRuns = 16;

/** A change of the UTC offset: at `atMs` the offset goes from `beforeMs` to `afterMs`. */
interface OffsetChange {
  atMs: number;
  beforeMs: number;
  afterMs: number;
}

/**
 * The smallest fire time strictly greater than `afterMs` (and not before `startAtMs`), under the
 * trigger's DST policy; null when there is none (nothing after `endAtMs`, or croner has no run).
 */
export function cronNextAfterMs(trigger: CronTriggerSpec, afterMs: number): number | null {
  const cron = cronFor(trigger.expr, trigger.tz);
  const tz = trigger.tz;
  // `startAtMs - 1` so that a match exactly at startAtMs counts (croner's nextRun is strictly after).
  let fromMs = trigger.startAtMs === null ? afterMs : Math.max(afterMs, trigger.startAtMs - 1);
  for (let skipped = 0; skipped <= maxSkippedRuns; skipped++) {
    const fireMs = cron.nextRun(new Date(fromMs))?.getTime() ?? null;
    if (tz !== null && trigger.dst === 'strict' && fireMs !== null) {
      if (trigger.endAtMs !== null && fireMs > trigger.endAtMs) return null;
      if (!cron.match(new Date(fireMs))) {
        fromMs = fireMs;
        continue;
      }
      const repeat = repeatedPeriodOf(tz, fireMs);
      if (repeat !== null) {
        // Continue from the end of the repeated period (croner's nextRun is strictly after).
        fromMs = repeat.atMs + (repeat.beforeMs - repeat.afterMs) - 1;
        continue;
      }
      return fireMs;
    }
    let nextMs = fireMs;
    if (tz !== null && trigger.dst !== 'strict' && fireMs !== null && isFixedTime(trigger.expr)) {
      nextMs = gapFiresIn(trigger.expr, tz, fromMs, fireMs)[0] ?? fireMs;
    }
    return nextMs === null || (trigger.endAtMs !== null && nextMs > trigger.endAtMs) ? null : nextMs;
  }
  return null;
}

/**
 * Up to `count` fires at or before `atOrBeforeMs` (and not before `startAtMs`), oldest first, under
 * the trigger's DST policy: the same fires `cronNextAfterMs` steps through, walked backwards.
 */
export function cronFiresAtOrBeforeMs(trigger: CronTriggerSpec, atOrBeforeMs: number, count: number): number[] {
  const cron = cronFor(trigger.expr, trigger.tz);
  const tz = trigger.tz;
  const startAtMs = trigger.startAtMs ?? Number.NEGATIVE_INFINITY;
  const gapFires = tz !== null && trigger.dst !== 'strict' && isFixedTime(trigger.expr);
  const out: number[] = [];
  // Fires strictly before `beforeMs` are still to be looked at.
  let beforeMs = atOrBeforeMs + 1;
  let skipped = 0;
  while (out.length < count && skipped <= maxSkippedRuns) {
    // croner's previousRuns is strictly before the given instant.
    const runMs = cron.previousRuns(1, new Date(beforeMs))[0]?.getTime() ?? null;
    const floorMs = runMs === null || runMs < startAtMs ? null : runMs;
    if (gapFires && tz !== null) {
      const lowMs = floorMs ?? (Number.isFinite(startAtMs) ? startAtMs - 1 : null);
      const gapMs = lowMs === null ? undefined : gapFiresIn(trigger.expr, tz, lowMs, beforeMs - 1).at(-1);
      if (gapMs !== undefined && gapMs !== runMs) {
        out.push(gapMs);
        beforeMs = gapMs;
        continue;
      }
    }
    if (floorMs === null) break;
    beforeMs = floorMs;
    if (tz !== null && trigger.dst === 'strict') {
      if (!cron.match(new Date(floorMs))) {
        skipped++;
        continue;
      }
      const repeat = repeatedPeriodOf(tz, floorMs);
      if (repeat !== null) {
        // Every run from the change instant on is a second occurrence: go to before it.
        beforeMs = repeat.atMs;
        skipped++;
        continue;
      }
    }
    out.push(floorMs);
    skipped = 0;
  }
  return out.reverse();
}

/**
 * Croner's "no-wildcard" fixed-time rule (see croner-cache.ts): no wildcard (`*`, `?`) and no step
 * in seconds, minutes and hours. A 5-field expression has seconds `0`.
 */
export function isFixedTime(expr: string): boolean {
  let fixed = fixedTimeByExpr.get(expr);
  if (fixed === undefined) {
    const fields = expr.trim().split(/\s+/);
    const timeFields = fields.length === 6 ? fields.slice(0, 3) : fields.slice(0, 2);
    fixed = timeFields.every((field) => !/[*?/]/.test(field));
    // Bounded like croner-cache: a node holds a few thousand distinct expressions at most.
    if (fixedTimeByExpr.size >= 10_000) fixedTimeByExpr.clear();
    fixedTimeByExpr.set(expr, fixed);
  }
  return fixed;
}

const fixedTimeByExpr = new Map<string, boolean>();

/**
 * When `fireMs` is the second occurrence of its wall time, the offset drop that repeats it (`atMs`
 * is the change instant; the repeated period is `[atMs, atMs + beforeMs - afterMs)`); else null.
 */
export function repeatedPeriodOf(tz: string, fireMs: number): OffsetChange | null {
  const afterMs = offsetMs(tz, fireMs);
  const beforeMs = offsetMs(tz, fireMs - maxOffsetChangeMs);
  const dropMs = beforeMs - afterMs;
  // `fireMs - dropMs` shows the same wall time exactly when the drop happened less than dropMs ago.
  if (dropMs <= 0 || offsetMs(tz, fireMs - dropMs) !== beforeMs) return null;
  return { atMs: changeInstantMs(tz, fireMs - dropMs, fireMs), beforeMs, afterMs };
}

/**
 * The change instants of the gaps (offset increases) in `(fromMs, toMs]` during which a wall time
 * matching `expr` does not exist, oldest first: where a vixie fixed-time expression fires instead.
 */
export function gapFiresIn(expr: string, tz: string, fromMs: number, toMs: number): number[] {
  const wallCron = cronFor(expr, null);
  const fires: number[] = [];
  for (const change of offsetChangesIn(tz, fromMs, toMs)) {
    if (change.afterMs <= change.beforeMs) continue;
    // The missing wall times, written as UTC instants: [atMs + beforeMs, atMs + afterMs).
    const wallStartMs = change.atMs + change.beforeMs;
    const match = wallCron.nextRun(new Date(wallStartMs - 1));
    if (match !== null && match.getTime() < change.atMs + change.afterMs) fires.push(change.atMs);
  }
  return fires;
}

/**
 * The offset changes in `(fromMs, toMs]`, oldest first. Offsets are sampled a day apart (zones
 * change at most once a day), and each change is located by binary search.
 */
export function offsetChangesIn(tz: string, fromMs: number, toMs: number): OffsetChange[] {
  const changes: OffsetChange[] = [];
  let lowMs = fromMs;
  let lowOffsetMs = offsetMs(tz, lowMs);
  // The common case, a daily or weekly expression between two runs with the same offset: no zone
  // changes its offset twice within a week, so there is no change in between.
  if (toMs - fromMs <= weekMs && offsetMs(tz, toMs) === lowOffsetMs) return changes;
  while (lowMs < toMs) {
    const highMs = Math.min(lowMs + dayMs, toMs);
    const highOffsetMs = offsetMs(tz, highMs);
    if (highOffsetMs !== lowOffsetMs) {
      changes.push({ atMs: changeInstantMs(tz, lowMs, highMs), beforeMs: lowOffsetMs, afterMs: highOffsetMs });
    }
    lowMs = highMs;
    lowOffsetMs = highOffsetMs;
  }
  return changes;
}

/**
 * The first instant in `(lowMs, highMs]` that has the offset of `highMs`, when `lowMs` has another
 * one (one change between them). Offsets change on whole seconds, so the search is in seconds.
 */
function changeInstantMs(tz: string, lowMs: number, highMs: number): number {
  const targetMs = offsetMs(tz, highMs);
  let low = Math.floor(lowMs / secondMs);
  let high = Math.ceil(highMs / secondMs);
  while (high - low > 1) {
    const mid = low + Math.floor((high - low) / 2);
    if (offsetMs(tz, mid * secondMs) === targetMs) high = mid;
    else low = mid;
  }
  return Math.max(high * secondMs, Math.floor(lowMs) + 1);
}
