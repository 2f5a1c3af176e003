import type { ScheduleRecord, Store } from '../index.ts';

export interface ScheduleChange {
  event: 'schedule.created' | 'schedule.updated' | 'schedule.removed' | 'schedule.paused' | 'schedule.resumed' | 'schedule.fired';
  scheduleId: string;
  schedule: ScheduleRecord | null;
}

/** The most schedules one watcher follows (an admin view, not an export). */
const maxSchedules = 5000;
const pageSize = 500;

/**
 * Turns successive listings of the schedules into change events. Schedules have no change feed,
 * and they are few: a listing every couple of seconds, compared with the one before, sees every
 * node's changes. The first poll only takes the baseline.
 */
export class ScheduleWatcher {
  #known: Map<string, ScheduleRecord> | null = null;

  async poll(store: Store): Promise<ScheduleChange[]> {
    const current = new Map<string, ScheduleRecord>();
    let afterId: string | undefined;
    while (current.size < maxSchedules) {
      const page = await store.listSchedules({ afterId, limit: pageSize });
      for (const schedule of page) current.set(schedule.id, schedule);
      if (page.length < pageSize) break;
      afterId = page.at(-1)!.id;
    }
    const previous = this.#known;
    this.#known = current;
    if (previous === null) return [];
    const changes: ScheduleChange[] = [];
    for (const [id, schedule] of current) {
      const before = previous.get(id);
      const event = before === undefined ? 'schedule.created' : changeOf(before, schedule);
      if (event !== null) changes.push({ event, scheduleId: id, schedule });
    }
    for (const id of previous.keys()) if (!current.has(id)) changes.push({ event: 'schedule.removed', scheduleId: id, schedule: null });
    return changes;
  }
}

function changeOf(before: ScheduleRecord, after: ScheduleRecord): ScheduleChange['event'] | null {
  if (before.paused !== after.paused) return after.paused ? 'schedule.paused' : 'schedule.resumed';
  if (before.firedCount !== after.firedCount || before.lastFireAtMs !== after.lastFireAtMs) return 'schedule.fired';
  const fields = ['updatedAtMs', 'nextFireAtMs', 'skippedCount', 'missedCount', 'task', 'priority', 'maxRunning'] as const;
  if (fields.some((field) => before[field] !== after[field]) || JSON.stringify(before.trigger) !== JSON.stringify(after.trigger)) {
    return 'schedule.updated';
  }
  return null;
}
