import type { JobAttempt, JobOrigin, JobRecord, JobStatus, NewJob } from '../domain/job.ts';
import type { JsonValue } from '../domain/json.ts';
import type { CoalescePolicy, ScheduleRecord } from '../domain/schedule.ts';

/** A hash as HGETALL returns it inside a script reply: field, value, field, value, … */
export type FlatHash = readonly string[];

function toMap(flat: FlatHash): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(flat[i]!, flat[i + 1]!);
  return map;
}

const numberOrNull = (value: string | undefined): number | null => (value === undefined ? null : Number(value));
const jsonOrNull = <T>(value: string | undefined): T | null => (value === undefined || value === '' ? null : (JSON.parse(value) as T));

/**
 * A job hash → JobRecord. Fields (absent = null): task, data, o (origin), sid, fire, st, pri, run,
 * cat/uat/sat/fat (created/updated/started/finished at), att, max, dk, lo/lx (lease owner and
 * expiry), ft (fencing token), cr ('1' = cancel requested), res, err, hist (closed attempts as
 * comma-joined JSON objects), ast (start of the running attempt), seq (creation order).
 */
export function decodeJob(id: string, flat: FlatHash): JobRecord {
  const f = toMap(flat);
  const status = f.get('st') as JobStatus;
  const hist = f.get('hist');
  const attempts: JobAttempt[] = hist === undefined || hist === '' ? [] : (JSON.parse(`[${hist}]`) as JobAttempt[]);
  const leaseOwner = f.get('lo') ?? null;
  const attempt = Number(f.get('att') ?? 0);
  const fencingToken = Number(f.get('ft') ?? 0);
  if (status === 'running') {
    // The attempt under way lives in plain fields until it ends (no JSON rewrite per claim).
    attempts.push({
      attempt,
      nodeId: leaseOwner ?? '',
      fencingToken,
      startedAtMs: Number(f.get('ast')),
      finishedAtMs: null,
      outcome: 'running',
      error: null,
    });
  }
  return {
    id,
    task: f.get('task') ?? '',
    data: JSON.parse(f.get('data') ?? 'null') as JsonValue,
    origin: f.get('o') as JobOrigin,
    scheduleId: f.get('sid') ?? null,
    fireAtMs: numberOrNull(f.get('fire')),
    status,
    priority: Number(f.get('pri') ?? 0),
    runAtMs: Number(f.get('run')),
    createdAtMs: Number(f.get('cat')),
    updatedAtMs: Number(f.get('uat')),
    startedAtMs: numberOrNull(f.get('sat')),
    finishedAtMs: numberOrNull(f.get('fat')),
    attempt,
    maxAttempts: Number(f.get('max')),
    dedupeKey: f.get('dk') ?? null,
    leaseOwner,
    leaseExpiresAtMs: numberOrNull(f.get('lx')),
    fencingToken,
    cancelRequested: f.get('cr') === '1',
    result: jsonOrNull<JsonValue>(f.get('res')),
    error: jsonOrNull(f.get('err')),
    attempts,
  };
}

/** A NewJob as two script arguments: its fields but data as JSON, and data as JSON text (kept opaque to Lua's cjson, which would round numbers). */
export function encodeNewJob(job: NewJob): [string, string] {
  const { data, ...meta } = job;
  return [JSON.stringify(meta), JSON.stringify(data)];
}

/** A schedule hash → ScheduleRecord. Fields: task, data, trig, pri, maxr, grace, coal, paused, next, last, cat, uat, lo, lx, lt, fired, skip, miss. */
export function decodeSchedule(id: string, flat: FlatHash): ScheduleRecord {
  const f = toMap(flat);
  return {
    id,
    task: f.get('task') ?? '',
    data: JSON.parse(f.get('data') ?? 'null') as JsonValue,
    trigger: JSON.parse(f.get('trig') ?? 'null') as ScheduleRecord['trigger'],
    priority: Number(f.get('pri') ?? 0),
    maxRunning: numberOrNull(f.get('maxr')),
    misfireGraceMs: numberOrNull(f.get('grace')),
    coalesce: (f.get('coal') ?? 'latest') as CoalescePolicy,
    paused: f.get('paused') === '1',
    nextFireAtMs: numberOrNull(f.get('next')),
    lastFireAtMs: numberOrNull(f.get('last')),
    createdAtMs: Number(f.get('cat')),
    updatedAtMs: Number(f.get('uat')),
    leaseOwner: f.get('lo') ?? null,
    leaseExpiresAtMs: numberOrNull(f.get('lx')),
    leaseToken: Number(f.get('lt') ?? 0),
    firedCount: Number(f.get('fired') ?? 0),
    skippedCount: Number(f.get('skip') ?? 0),
    missedCount: Number(f.get('miss') ?? 0),
  };
}

/** A number or null as a script argument ('' = null). */
export const optionalNumberArg = (value: number | null | undefined): string => (value === null || value === undefined ? '' : String(value));
