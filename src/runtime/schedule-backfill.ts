import type { ScheduleRecord } from '../domain/schedule.ts';
import { InvalidArgumentError } from '../errors.ts';
import { nextFireAfterMs } from '../triggers/next-fire.ts';

/** Most fires one `Scheduler.backfill()` call creates. */
export const maxBackfillFires = 10_000;

/** What `Scheduler.backfill()` takes: the past range whose fires to create, both ends included. */
export interface BackfillRange {
  /** The first instant of the range (Date or epoch milliseconds). */
  from: Date | number;
  /** The last instant of the range (Date or epoch milliseconds), not after now. */
  to: Date | number;
}

/** What `Scheduler.backfill()` answers. */
export interface BackfillResult {
  /** Fires that got a job now. */
  created: number;
  /** Fires that had a job already (run live, or backfilled before): left as they were. */
  existing: number;
}

/** The range checked: epoch milliseconds, `from <= to <= nowMs`. */
export function checkBackfillRange(range: BackfillRange | undefined, nowMs: number): { fromMs: number; toMs: number } {
  const fromMs = instantOf(range?.from, 'from');
  const toMs = instantOf(range?.to, 'to');
  if (fromMs > toMs) throw new InvalidArgumentError(`Expected the backfill \`from\` (${fromMs}) to be at or before \`to\` (${toMs})`);
  if (toMs > nowMs) throw new InvalidArgumentError(`Expected the backfill \`to\` (${toMs}) to be in the past (now is ${nowMs})`);
  return { fromMs, toMs };
}

function instantOf(value: unknown, name: string): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new InvalidArgumentError(`Expected the backfill \`${name}\` to be a valid Date or epoch milliseconds, got ${String(value)}`);
  }
  return ms;
}

/**
 * The nominal fire times the schedule's trigger has in `[fromMs, toMs]`, oldest first; more than
 * `limit` → `InvalidArgumentError` (found after enumerating `limit + 1`, never more). Pure.
 *
 * An interval trigger without `startAt` fires on the grid its live fires are on (through the
 * schedule's `nextFireAtMs`, else its `lastFireAtMs`), so that a fire that already ran live has
 * the same fire time as the backfilled one, and is found existing instead of created twice.
 */
export function backfillFireTimes(schedule: ScheduleRecord, fromMs: number, toMs: number, limit = maxBackfillFires): number[] {
  const trigger = schedule.trigger;
  const fires: number[] = [];
  const add = (fireMs: number) => {
    fires.push(fireMs);
    if (fires.length > limit) {
      throw new InvalidArgumentError(
        `The backfill of schedule "${schedule.id}" from ${fromMs} to ${toMs} has more than ${limit} fires; backfill a shorter range at a time`,
      );
    }
  };
  if (trigger.type === 'date') {
    if (trigger.runAtMs >= fromMs && trigger.runAtMs <= toMs) add(trigger.runAtMs);
    return fires;
  }
  let previousMs = fromMs - 1;
  if (trigger.type === 'interval' && trigger.startAtMs === null) {
    // A point of the live grid at or before fromMs - 1 (the grid continues from the fire before).
    const anchorMs = schedule.nextFireAtMs ?? schedule.lastFireAtMs ?? fromMs;
    previousMs = anchorMs + Math.floor((fromMs - 1 - anchorMs) / trigger.everyMs) * trigger.everyMs;
  }
  let fireMs = nextFireAfterMs(trigger, previousMs, fromMs - 1);
  while (fireMs !== null && fireMs <= toMs) {
    add(fireMs);
    fireMs = nextFireAfterMs(trigger, fireMs, fireMs);
  }
  return fires;
}
