import { cronFiresAtOrBeforeMs, nextFireAfterMs } from '../triggers/next-fire.ts';
import { defaultCatchUpLimit, type ScheduleRecord } from './schedule.ts';

/** What to do with a schedule's due fires. Every list holds nominal fire times, oldest first. */
export interface FirePlan {
  /** Fires that get a job now. */
  run: number[];
  /** Fires within the misfire grace time that coalescing merged into the one that runs. */
  coalesced: number[];
  /** Fires found later than the misfire grace time. */
  missed: number[];
  /** Fires that would have run but `maxRunning` jobs of the schedule were still active. */
  skipped: number[];
  /**
   * Due fires older than the catch-up window, not listed in `missed` (see {@link planFires}).
   * Exact for interval triggers; for cron triggers a lower bound.
   */
  missedUnlisted: number;
  /**
   * Fires not due yet but within the look-ahead (`nowMs < fire <= nowMs + horizonMs`), oldest
   * first: they get a job now too, reserved by the planning node, which starts each at its
   * instant and judges `maxRunning` and the misfire grace then.
   */
  ahead: number[];
  /** The first fire strictly after `nowMs + horizonMs`; null when the trigger has no more. */
  nextFireAtMs: number | null;
  /** The newest fire handed out (due or ahead), or the schedule's previous `lastFireAtMs` when none was. */
  lastFireAtMs: number | null;
  /** The schedule is over (`nextFireAtMs === null`): the store deletes it on release. */
  end: boolean;
}

export interface PlanFiresInput {
  schedule: ScheduleRecord;
  nowMs: number;
  /** The schedule's jobs in queued, running or failed status (as `acquireDueSchedules` reports). */
  activeJobs: number;
  /**
   * Most due fires considered one by one after a downtime; overrides the schedule's own.
   * @defaultValue the schedule's `catchUpLimit` (1000 when it has none)
   */
  maxCatchUp?: number | undefined;
  /** The look-ahead: fires within this long after `nowMs` are planned too (`ahead`). @defaultValue 0 */
  horizonMs?: number | undefined;
  /** Most fires planned ahead per schedule. @defaultValue 100 */
  maxAhead?: number | undefined;
}

/** The catch-up limit of a schedule without one (see `ScheduleRecord.catchUpLimit`). */
export const defaultMaxCatchUp = defaultCatchUpLimit;
export const defaultMaxAhead = 100;

/**
 * Decides a leased schedule's due fires. This is the one definition every store relies on; it
 * reads only its input.
 *
 * 1. **Due fires.** Not due (`nextFireAtMs` null or after `nowMs`): an empty plan that keeps
 *    `nextFireAtMs` and `lastFireAtMs` (`end` is true only when `nextFireAtMs` is null). Otherwise
 *    the due fires are `nextFireAtMs` and the following ones (`nextFireAfterMs(trigger, f, f)`)
 *    while `<= nowMs`.
 * 2. **Catch-up cap.** `maxCatchUp` is the schedule's `catchUpLimit` unless the input gives one.
 *    When more than `maxCatchUp` fires are due, only the newest `maxCatchUp` are
 *    considered (the window); the older ones are missed and counted in `missedUnlisted`, never
 *    listed. Keeping the newest (not the oldest) means a `latest` schedule back from a long
 *    downtime still runs its most recent fire. Interval triggers find the window and the count in
 *    O(1). Cron triggers enumerate `maxCatchUp + 1` fires from the start, see that the cap is
 *    exceeded, then take the window from croner's `previousRuns`; `missedUnlisted` then counts only
 *    the enumerated fires older than the window, so it is a lower bound (counting a month of
 *    every-second fires is exactly what the cap avoids).
 * 3. **Misfire grace.** A fire in the window with `nowMs - fire > misfireGraceMs` goes to `missed`
 *    (null grace: never).
 * 4. **Coalescing** of the fires within grace: `latest` runs the newest and lists the others in
 *    `coalesced`; `earliest` runs the oldest and lists the others in `coalesced`; `all` runs each.
 * 5. **Overlap.** With `maxRunning` not null, at most `max(0, maxRunning - activeJobs)` of the
 *    fires chosen to run do run; the excess goes to `skipped`. `latest` and `all` keep the newest
 *    fires, `earliest` keeps the oldest. Null `maxRunning`: no limit.
 * 6. `nextFireAtMs` is the first fire strictly after `nowMs` (null when there is none, e.g. a date
 *    trigger, or past `endAtMs`); `lastFireAtMs` is the newest due fire; `end` is
 *    `nextFireAtMs === null`.
 *
 * 7. **Look-ahead** (`horizonMs` > 0): the fires after `nowMs` up to `nowMs + horizonMs` (at most
 *    `maxAhead`) are listed in `ahead`; `nextFireAtMs` becomes the first fire after them and
 *    `lastFireAtMs` the newest of them. Their overlap and lateness are not judged here: the node
 *    that reserves them judges both when each comes due.
 *
 * `paused` is not looked at: stores only acquire unpaused schedules. The schedule's `missedCount`
 * grows by `missed.length + coalesced.length + missedUnlisted` (see {@link missedTotal}), its
 * `skippedCount` by `skipped.length`.
 */
export function planFires(input: PlanFiresInput): FirePlan {
  const plan = planDueFires(input);
  const horizonMs = input.horizonMs ?? 0;
  if (horizonMs <= 0 || plan.nextFireAtMs === null || plan.nextFireAtMs > input.nowMs + horizonMs) return plan;
  // 7. Look-ahead: the fires up to nowMs + horizonMs are handed out ahead (reserved by the planning
  //    node), and the next fire moves past them.
  const maxAhead = Math.max(1, Math.floor(input.maxAhead ?? defaultMaxAhead));
  const ahead: number[] = [];
  let fireMs: number | null = plan.nextFireAtMs;
  while (fireMs !== null && fireMs <= input.nowMs + horizonMs && ahead.length < maxAhead) {
    ahead.push(fireMs);
    fireMs = nextFireAfterMs(input.schedule.trigger, fireMs, fireMs);
  }
  return { ...plan, ahead, nextFireAtMs: fireMs, lastFireAtMs: ahead.at(-1)!, end: fireMs === null };
}

function planDueFires(input: PlanFiresInput): FirePlan {
  const { schedule, nowMs, activeJobs } = input;
  const maxCatchUp = Math.max(1, Math.floor(input.maxCatchUp ?? schedule.catchUpLimit ?? defaultMaxCatchUp));
  const firstDueMs = schedule.nextFireAtMs;
  if (firstDueMs === null || firstDueMs > nowMs) {
    return {
      run: [],
      coalesced: [],
      missed: [],
      skipped: [],
      missedUnlisted: 0,
      ahead: [],
      nextFireAtMs: firstDueMs,
      lastFireAtMs: schedule.lastFireAtMs,
      end: firstDueMs === null,
    };
  }

  const { window, missedUnlisted } = dueWindow(schedule, firstDueMs, nowMs, maxCatchUp);
  const newestDueMs = window[window.length - 1] ?? firstDueMs;

  const grace = schedule.misfireGraceMs;
  const missed = grace === null ? [] : window.filter((fireMs) => nowMs - fireMs > grace);
  const onTime = grace === null ? window : window.filter((fireMs) => nowMs - fireMs <= grace);

  let chosen: number[];
  let coalesced: number[];
  if (onTime.length === 0 || schedule.coalesce === 'all') {
    chosen = onTime;
    coalesced = [];
  } else if (schedule.coalesce === 'latest') {
    chosen = onTime.slice(-1);
    coalesced = onTime.slice(0, -1);
  } else {
    chosen = onTime.slice(0, 1);
    coalesced = onTime.slice(1);
  }

  let run = chosen;
  let skipped: number[] = [];
  if (schedule.maxRunning !== null) {
    const slots = Math.max(0, schedule.maxRunning - activeJobs);
    if (chosen.length > slots) {
      if (schedule.coalesce === 'earliest') {
        run = chosen.slice(0, slots);
        skipped = chosen.slice(slots);
      } else {
        run = chosen.slice(chosen.length - slots);
        skipped = chosen.slice(0, chosen.length - slots);
      }
    }
  }

  const nextFireAtMs = nextFireAfterMs(schedule.trigger, newestDueMs, nowMs);
  return {
    run,
    coalesced,
    missed,
    skipped,
    missedUnlisted,
    ahead: [],
    nextFireAtMs,
    lastFireAtMs: newestDueMs,
    end: nextFireAtMs === null,
  };
}

/** How much a plan adds to the schedule's `missedCount`: late fires, coalesced ones and those past the cap. */
export function missedTotal(plan: FirePlan): number {
  return plan.missed.length + plan.coalesced.length + plan.missedUnlisted;
}

/** The newest due fires (at most `maxCatchUp`, oldest first) and how many older ones were left out. */
function dueWindow(
  schedule: ScheduleRecord,
  firstDueMs: number,
  nowMs: number,
  maxCatchUp: number,
): { window: number[]; missedUnlisted: number } {
  const trigger = schedule.trigger;
  if (trigger.type === 'interval') {
    // Every due fire sits on the grid through firstDueMs (it was computed from the same trigger).
    const lastMs = trigger.endAtMs === null ? nowMs : Math.min(nowMs, trigger.endAtMs);
    const dueCount = lastMs < firstDueMs ? 1 : Math.floor((lastMs - firstDueMs) / trigger.everyMs) + 1;
    const windowCount = Math.min(dueCount, maxCatchUp);
    const windowStartMs = firstDueMs + (dueCount - windowCount) * trigger.everyMs;
    const window = Array.from({ length: windowCount }, (_, k) => windowStartMs + k * trigger.everyMs);
    return { window, missedUnlisted: dueCount - windowCount };
  }

  if (trigger.type === 'calendar') {
    // At most one fire a day: even years of downtime enumerate quickly, and exactly.
    const due: number[] = [];
    for (let fireMs: number | null = firstDueMs; fireMs !== null && fireMs <= nowMs; fireMs = nextFireAfterMs(trigger, fireMs, fireMs)) due.push(fireMs);
    const window = due.slice(-maxCatchUp);
    return { window, missedUnlisted: due.length - window.length };
  }
  const enumerated: number[] = [];
  let fireMs: number | null = firstDueMs;
  while (fireMs !== null && fireMs <= nowMs && enumerated.length <= maxCatchUp) {
    enumerated.push(fireMs);
    fireMs = nextFireAfterMs(trigger, fireMs, fireMs);
  }
  if (enumerated.length <= maxCatchUp || trigger.type !== 'cron') return { window: enumerated, missedUnlisted: 0 };

  const lastMs = trigger.endAtMs === null ? nowMs : Math.min(nowMs, trigger.endAtMs);
  const window = cronFiresAtOrBeforeMs(trigger, lastMs, maxCatchUp).filter((ms) => ms >= firstDueMs);
  const windowStartMs = window[0] ?? Number.POSITIVE_INFINITY;
  const missedUnlisted = enumerated.filter((ms) => ms < windowStartMs).length;
  return { window, missedUnlisted };
}
