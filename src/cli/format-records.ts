import type { CalendarTriggerSpec, JobError, JobRecord, ScheduleRecord, TriggerSpec } from '../index.ts';
import { formatTable } from './format-table.ts';
import { formatLocalTime, formatSpan, formatTime } from './format-time.ts';

/** The last 8 characters of a job id: UUIDv7 ids start with the time, so their tail tells jobs apart. */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(-8) : id;
}

/** `every 3s`, `cron 0 3 * * * (Europe/Berlin)`, `at 2026-05-01 10:00:00`, `every month on day 31 at 09:00 (Europe/Berlin)`. */
export function describeTrigger(trigger: TriggerSpec): string {
  switch (trigger.type) {
    case 'date':
      return `at ${formatLocalTime(trigger.runAtMs)}`;
    case 'interval':
      return `every ${formatSpan(trigger.everyMs)}${trigger.jitterMs > 0 ? ` ±${formatSpan(trigger.jitterMs)}` : ''}`;
    case 'cron':
      return `cron ${trigger.expr} (${trigger.tz ?? 'UTC'})`;
    case 'calendar':
      return `${describeCalendar(trigger)}${trigger.jitterMs > 0 ? ` ±${formatSpan(trigger.jitterMs)}` : ''}`;
  }
}

const weekdays = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const monthNames = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * `every month on day 31 at 09:00 (Europe/Berlin)`, `every 2 weeks on Monday at 07:30 (UTC)`,
 * `every year on Feb 29 at 12:00 (UTC)`, `every 3 days at 06:00:30 (UTC)`. The day comes from
 * `startAt` (its date in the zone); without one, the schedule's creation day decides and is not shown.
 */
export function describeCalendar(trigger: CalendarTriggerSpec): string {
  const tz = trigger.tz ?? 'UTC';
  const units = (
    [
      [trigger.years, 'year'],
      [trigger.months, 'month'],
      [trigger.weeks, 'week'],
      [trigger.days, 'day'],
    ] as const
  ).filter(([n]) => n > 0);
  const every = units.length === 1 && units[0]![0] === 1 ? units[0]![1] : units.map(([n, unit]) => `${n} ${unit}${n === 1 ? '' : 's'}`).join(' ');
  let on = '';
  if (trigger.startAtMs !== null) {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(trigger.startAtMs);
    const field = (type: string) => Number(parts.find((p) => p.type === type)?.value);
    const [year, month, day] = [field('year'), field('month'), field('day')];
    const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
    if (trigger.years > 0 && trigger.months === 0 && trigger.weeks === 0 && trigger.days === 0) on = ` on ${monthNames[month - 1]} ${day}`;
    else if (trigger.years > 0 || trigger.months > 0) on = ` on day ${day}`;
    else if (trigger.days % 7 === 0) on = ` on ${weekdays[weekday]}`;
  }
  const at = trigger.at.endsWith(':00') && trigger.at.length === 8 ? trigger.at.slice(0, 5) : trigger.at;
  return `every ${every}${on} at ${at} (${tz})`;
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
