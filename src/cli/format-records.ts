import type { JobError, JobRecord, ScheduleRecord, TriggerSpec } from '../index.ts';
import { formatTable } from './format-table.ts';
import { formatLocalTime, formatSpan, formatTime } from './format-time.ts';

/** The last 8 characters of a job id: UUIDv7 ids start with the time, so their tail tells jobs apart. */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(-8) : id;
}

/** `every 3s`, `cron 0 3 * * * (Europe/Berlin)`, `at 2026-05-01 10:00:00`. */
export function describeTrigger(trigger: TriggerSpec): string {
  switch (trigger.type) {
    case 'date':
      return `at ${formatLocalTime(trigger.runAtMs)}`;
    case 'interval':
      return `every ${formatSpan(trigger.everyMs)}${trigger.jitterMs > 0 ? ` ±${formatSpan(trigger.jitterMs)}` : ''}`;
    case 'cron':
      return `cron ${trigger.expr} (${trigger.tz ?? 'UTC'})`;
  }
}

export function formatScheduleTable(schedules: readonly ScheduleRecord[], nowMs: number): string {
  if (schedules.length === 0) return 'No schedules.';
  return formatTable(
    ['id', 'task', 'trigger', 'state', 'next fire', 'last fire', 'fired', 'skipped', 'missed'],
    schedules.map((s) => [
      s.id,
      s.task,
      describeTrigger(s.trigger),
      s.paused ? 'paused' : 'active',
      s.paused ? '-' : formatTime(s.nextFireAtMs, nowMs),
      formatTime(s.lastFireAtMs, nowMs),
      String(s.firedCount),
      String(s.skippedCount),
      String(s.missedCount),
    ]),
  );
}

export function formatJobTable(jobs: readonly JobRecord[], nowMs: number): string {
  if (jobs.length === 0) return 'No jobs.';
  return formatTable(
    ['id', 'task', 'status', 'attempt', 'origin', 'schedule', 'run at', 'finished'],
    jobs.map((j) => [
      j.id,
      j.task,
      j.status,
      `${j.attempt}/${j.maxAttempts}`,
      j.origin,
      j.scheduleId ?? '-',
      formatTime(j.runAtMs, nowMs),
      formatTime(j.finishedAtMs, nowMs),
    ]),
  );
}

/** `Error [CODE]: message` on one line. */
export function describeError(error: JobError): string {
  return `${error.name}${error.code ? ` [${error.code}]` : ''}: ${error.message}`;
}

/** A job's neighbours in a flow: its parents (the id alone for one that is gone) and its children. */
export interface JobFamily {
  parents: ReadonlyArray<JobRecord | string>;
  children: readonly JobRecord[];
  /** More children exist than `children` holds. */
  moreChildren: boolean;
}

/**
 * Everything about one job: its fields, a timeline of its attempts, its last error with stack,
 * and its parents and children when it is part of a flow.
 */
export function formatJobDetail(job: JobRecord, nowMs: number, family?: JobFamily): string {
  const fields: Array<[string, string]> = [
    ['id', job.id],
    ['task', job.task],
    ['status', job.status + (job.cancelRequested && job.status === 'running' ? ' (cancel requested)' : '')],
    ['origin', job.origin],
    ['schedule', job.scheduleId ?? '-'],
    ['fire at', formatTime(job.fireAtMs, nowMs)],
    ['attempt', `${job.attempt} of ${job.maxAttempts}`],
    ['priority', String(job.priority)],
    ['run at', formatTime(job.runAtMs, nowMs)],
    ['created', formatTime(job.createdAtMs, nowMs)],
    ['started', formatTime(job.startedAtMs, nowMs)],
    ['finished', formatTime(job.finishedAtMs, nowMs)],
    ['lease', job.leaseOwner ? `${job.leaseOwner} until ${formatTime(job.leaseExpiresAtMs, nowMs)}` : '-'],
    ['fencing token', String(job.fencingToken)],
    ['dedupe key', job.dedupeKey ?? '-'],
    ...(job.onParentFailure ? [['on parent failure', job.onParentFailure] as [string, string]] : []),
    ['data', JSON.stringify(job.data)],
    ['result', JSON.stringify(job.result)],
  ];
  const width = Math.max(...fields.map(([name]) => name.length));
  const lines = fields.map(([name, value]) => `${name.padEnd(width)}  ${value}`);
  if (family && family.parents.length > 0) {
    lines.push('', 'Parents');
    for (const parent of family.parents) lines.push(typeof parent === 'string' ? `  ${parent}  (no longer stored)` : `  ${familyLine(parent)}`);
  }
  if (family && family.children.length > 0) {
    lines.push('', 'Children');
    for (const child of family.children) lines.push(`  ${familyLine(child)}`);
    if (family.moreChildren) lines.push(`  … more: sundial jobs ls --parent ${job.id}`);
  }
  lines.push('', 'Attempts');
  if (job.attempts.length === 0) lines.push('  (none yet)');
  for (const attempt of job.attempts) {
    const took = attempt.finishedAtMs === null ? 'still running' : `after ${formatSpan(attempt.finishedAtMs - attempt.startedAtMs)}`;
    lines.push(
      `  #${attempt.attempt}  ${formatTime(attempt.startedAtMs, nowMs)}  ${attempt.outcome} ${took}  ` +
        `on ${attempt.nodeId} (token ${attempt.fencingToken})`,
    );
    if (attempt.error) lines.push(`      ${describeError(attempt.error)}`);
  }
  if (job.error) {
    lines.push('', 'Error');
    lines.push(`  ${describeError(job.error)}`);
    const stack = job.error.stack?.split('\n').slice(1) ?? [];
    for (const frame of stack) lines.push(`  ${frame.trim()}`);
  }
  return lines.join('\n');
}

/** A parent or child of a job, on one line: id, task, status. */
function familyLine(job: JobRecord): string {
  return `${job.id}  ${job.task}  ${job.status}`;
}
