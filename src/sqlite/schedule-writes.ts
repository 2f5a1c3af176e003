import { defaultCatchUpLimit, type ScheduleRecord, type ScheduleWrite } from '../domain/schedule.ts';
import type { AcquiredSchedule, AcquireSchedulesRequest, SchedulePatch } from '../store/store.ts';
import { rowToSchedule } from './row-mapping.ts';
import type { Row } from './row-mapping.ts';
import type { Statements } from './statements.ts';

// The schedule writes that reach into jobs, each run inside the caller's transaction: a changed
// definition, a pause, a new next fire or a removal deletes the schedule's reservations that are
// not due yet (their node cannot have started them), which then no longer count as fired.

/** Deletes a schedule's reservations not due at `nowMs`: how many, and the earliest of their fires. */
export function dropReservations(s: Statements, scheduleId: string, nowMs: number): { dropped: number; earliest: number | null } {
  const rows = s.dropReservations.all({ scheduleId, nowMs }) as Row[];
  let earliest: number | null = null;
  for (const row of rows) {
    const fireAtMs = Number(row.fire_at_ms);
    if (earliest === null || fireAtMs < earliest) earliest = fireAtMs;
  }
  return { dropped: rows.length, earliest };
}

/** Store.upsertSchedule inside the caller's transaction. */
export function upsertOne(s: Statements, write: ScheduleWrite): ScheduleRecord {
  const data = JSON.stringify(write.data);
  const trigger = JSON.stringify(write.trigger);
  const before = s.scheduleDefinition.get(write.id) as Row | undefined;
  const row = s.upsertSchedule.get({
    id: write.id,
    task: write.task,
    data,
    trigger,
    priority: write.priority,
    maxRunning: write.maxRunning,
    misfireGraceMs: write.misfireGraceMs,
    coalesce: write.coalesce,
    catchUpLimit: write.catchUpLimit ?? defaultCatchUpLimit,
    overlap: write.overlap ?? 'skip',
    paused: write.paused === null ? null : write.paused ? 1 : 0,
    nextFireAtMs: write.nextFireAtMs,
    keepNextFire: write.keepNextFire ? 1 : 0,
    nowMs: write.nowMs,
    // Replaced by every write; an empty string counts as none.
    traceContext: write.traceContext || null,
  }) as Row;
  if (!before || !definitionChanged(before, write, data, trigger)) return rowToSchedule(row);
  // Reservations not due yet would run the old definition: their fires are planned again under the new one.
  const { dropped, earliest } = dropReservations(s, write.id, write.nowMs);
  if (dropped === 0) return rowToSchedule(row);
  const keptNext = write.keepNextFire === true && before.trigger_spec === trigger;
  const next = row.next_fire_at_ms === null ? null : Number(row.next_fire_at_ms);
  const nextFireAtMs = keptNext && earliest !== null && (next === null || earliest < next) ? earliest : next;
  return rowToSchedule(s.afterReservationsDropped.get({ id: write.id, dropped, nextFireAtMs }) as Row);
}

/** Store.updateSchedule inside the caller's transaction. */
export function updateOne(s: Statements, id: string, patch: SchedulePatch, nowMs: number): ScheduleRecord | null {
  let dropped = 0;
  let earliest: number | null = null;
  if (patch.paused === true || patch.nextFireAtMs !== undefined) {
    if (!s.scheduleExists.get(id)) return null;
    ({ dropped, earliest } = dropReservations(s, id, nowMs));
  }
  const row = s.updateSchedule.get({
    id,
    paused: patch.paused === undefined ? null : patch.paused ? 1 : 0,
    setNextFire: patch.nextFireAtMs === undefined ? 0 : 1,
    nextFireAtMs: patch.nextFireAtMs ?? null,
    // A pause moves the next fire back to the earliest reservation it deleted (a resume still fires it).
    earliest: patch.paused === true ? earliest : null,
    dropped,
    nowMs,
  }) as Row | undefined;
  return row ? rowToSchedule(row) : null;
}

/** Store.removeSchedule inside the caller's transaction. */
export function removeOne(s: Statements, id: string, nowMs: number): boolean {
  if (Number(s.removeSchedule.run(id).changes) === 0) return false;
  dropReservations(s, id, nowMs);
  return true;
}

/** Whether an upsert changes what the schedule's jobs run (a pause alone does not). */
function definitionChanged(before: Row, write: ScheduleWrite, data: string, trigger: string): boolean {
  return (
    before.task !== write.task ||
    before.data !== data ||
    before.trigger_spec !== trigger ||
    Number(before.priority) !== write.priority ||
    numOrNull(before.max_running) !== write.maxRunning ||
    numOrNull(before.misfire_grace_ms) !== write.misfireGraceMs ||
    before.coalesce_policy !== write.coalesce
  );
}

function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** Store.acquireDueSchedules inside the caller's transaction: leased, in (nextFireAtMs, id) order. */
export function acquireDue(s: Statements, request: AcquireSchedulesRequest): AcquiredSchedule[] {
  const rows = s.acquireSchedules.all({
    nodeId: request.nodeId,
    nowMs: request.nowMs,
    dueByMs: request.nowMs + Math.max(0, request.horizonMs ?? 0),
    leaseExpiresAtMs: request.nowMs + request.leaseMs,
    limit: request.limit,
  }) as Row[];
  return rows
    .map((row) => {
      const schedule = rowToSchedule(row);
      return { schedule, leaseToken: schedule.leaseToken, activeJobs: Number(row.active_jobs) };
    })
    .sort(
      (a, b) =>
        (a.schedule.nextFireAtMs ?? 0) - (b.schedule.nextFireAtMs ?? 0) ||
        (a.schedule.id < b.schedule.id ? -1 : a.schedule.id > b.schedule.id ? 1 : 0),
    );
}
