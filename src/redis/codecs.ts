import { parentFailurePolicies } from '../domain/job.ts';
import type { JobAttempt, JobError, JobOrigin, JobRecord, JobStatus, ParentFailurePolicy } from '../domain/job.ts';
import type { ClaimedJob, JobStats } from '../store/store.ts';
import { addFinished, emptyJobStats, setStatusCount } from '../store/job-stats-buckets.ts';
import type { JobStatsRange } from '../store/job-stats-buckets.ts';
import type { JsonValue } from '../domain/json.ts';
import { defaultCatchUpLimit, overlapPolicies, type CoalescePolicy, type OverlapPolicy, type ScheduleRecord } from '../domain/schedule.ts';
import { jobAttemptsProblem, jobErrorProblem, jobStatusProblem, oneOfProblem, stringArrayProblem, triggerProblem } from '../domain/record-shapes.ts';
import { FieldReader } from '../store/field-reader.ts';

/** A hash as HGETALL returns it inside a script reply: field, value, field, value, … */
export type FlatHash = readonly string[];

export function toMap(flat: FlatHash): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(flat[i]!, flat[i + 1]!);
  return map;
}

const parseJson = (raw: unknown): unknown => JSON.parse(String(raw));
/** An empty field is how the scripts write "none" for some JSON fields. */
const present = (value: string | undefined): string | undefined => (value === '' ? undefined : value);
/** Stands in for a trigger that cannot be read; a schedule holding it is quarantined, never planned. */
const unreadableTrigger: ScheduleRecord['trigger'] = { type: 'date', runAtMs: 0 };

/**
 * A job hash → JobRecord. Fields (absent = null): task, data, o (origin), sid, fire, st, pri, run,
 * cat/uat/sat/fat (created/updated/started/finished at), att, max, dk, lo/lx (lease owner and
 * expiry), ft (fencing token), cr ('1' = cancel requested), res, err, hist (closed attempts as
 * comma-joined JSON objects), ast (start of the running attempt), seq (creation order), tc (trace
 * context; written only when the job has one, and `traceContext` is absent from the record when
 * the field is), par/opf (a flow's child: its parents as a JSON array and its onParentFailure;
 * both absent for a job without parents, and so from the record). Fields the record does not
 * show: pw (a child's unfinished parents), hc ('1': the job has children). A field that cannot
 * be decoded gets a stand-in and is named in `unreadable` (see FieldReader).
 */
export function decodeJob(id: string, flat: FlatHash): JobRecord {
  const f = toMap(flat);
  const r = new FieldReader();
  const status = r.text<JobStatus>('status', f.get('st'), jobStatusProblem, 'dead');
  const hist = present(f.get('hist'));
  const attempts = [
    ...r.json<JobAttempt[]>('attempts', hist, (raw) => JSON.parse(`[${String(raw)}]`), { absent: [], fallback: [], problem: jobAttemptsProblem }),
  ];
  const leaseOwner = f.get('lo') ?? null;
  const attempt = r.number('attempt', f.get('att') ?? '0');
  const fencingToken = r.number('fencingToken', f.get('ft') ?? '0');
  if (status === 'running') {
    // The attempt under way lives in plain fields until it ends (no JSON rewrite per claim).
    attempts.push({
      attempt,
      nodeId: leaseOwner ?? '',
      fencingToken,
      startedAtMs: r.number('attempts', f.get('ast')),
      finishedAtMs: null,
      outcome: 'running',
      error: null,
    });
  }
  const job: JobRecord = {
    id,
    task: f.get('task') ?? '',
    data: r.json<JsonValue>('data', f.get('data') ?? 'null', parseJson, { absent: null, fallback: null }),
    origin: r.text<JobOrigin>('origin', f.get('o'), oneOfProblem(['schedule', 'manual', 'enqueue']), 'enqueue'),
    scheduleId: f.get('sid') ?? null,
    fireAtMs: r.numberOrNull('fireAtMs', f.get('fire')),
    status,
    priority: r.number('priority', f.get('pri') ?? '0'),
    runAtMs: r.number('runAtMs', f.get('run')),
    createdAtMs: r.number('createdAtMs', f.get('cat')),
    updatedAtMs: r.number('updatedAtMs', f.get('uat')),
    startedAtMs: r.numberOrNull('startedAtMs', f.get('sat')),
    finishedAtMs: r.numberOrNull('finishedAtMs', f.get('fat')),
    attempt,
    maxAttempts: r.number('maxAttempts', f.get('max')),
    dedupeKey: f.get('dk') ?? null,
    leaseOwner,
    leaseExpiresAtMs: r.numberOrNull('leaseExpiresAtMs', f.get('lx')),
    fencingToken,
    cancelRequested: f.get('cr') === '1',
    result: r.json<JsonValue>('result', present(f.get('res')), parseJson, { absent: null, fallback: null }),
    error: r.json<JobError | null>('error', present(f.get('err')), parseJson, { absent: null, fallback: null, problem: jobErrorProblem }),
    attempts,
  };
  const traceContext = f.get('tc');
  if (traceContext) job.traceContext = traceContext;
  const parents = f.get('par');
  if (parents !== undefined) {
    job.parents = readParents(r, parents);
    job.onParentFailure = r.text<ParentFailurePolicy>('onParentFailure', f.get('opf') ?? 'fail', oneOfProblem(parentFailurePolicies), 'fail');
  }
  return r.finish(job);
}

/** A child's `par` field; damaged text reads as no parents, and the record is flagged (quarantined). */
function readParents(r: FieldReader, raw: string): string[] {
  return r.json<string[]>('parents', raw, parseJson, { absent: [], fallback: [], problem: stringArrayProblem });
}

/** A script reply value: a bulk string, or null for Lua's false (a null field). */
export type ReplyValue = string | number | null;

/** Values per job in a claim's reply (claimed_reply in lua/_jobs.lua). */
export const claimedWidth = 20;
const claimedStatuses = ['running', 'reserved', 'queued'] as const;

/**
 * A job as a claim answers it: 20 values from `at` in `row` — id, task, data, origin, scheduleId,
 * fireAtMs, priority, runAtMs, createdAtMs, dedupeKey, status, attempt, maxAttempts, fencingToken,
 * leaseExpiresAtMs, traceContext (null when none: then absent from the ClaimedJob), then the
 * record's history, error and result (absent on a first attempt), read only to flag a damaged
 * record in `unreadable`, then its parents (null when none: then absent).
 */
export function decodeClaimed(row: readonly ReplyValue[], at: number): ClaimedJob {
  const r = new FieldReader();
  const text = (i: number): string | null => {
    const value = row[at + i];
    return value === null || value === undefined ? null : String(value);
  };
  const claimed: ClaimedJob = {
    id: text(0) ?? '',
    task: text(1) ?? '',
    data: r.json<JsonValue>('data', text(2) ?? 'null', parseJson, { absent: null, fallback: null }),
    origin: r.text<JobOrigin>('origin', text(3), oneOfProblem(['schedule', 'manual', 'enqueue']), 'enqueue'),
    scheduleId: text(4),
    fireAtMs: r.numberOrNull('fireAtMs', text(5)),
    priority: r.number('priority', text(6) ?? '0'),
    runAtMs: r.number('runAtMs', text(7)),
    createdAtMs: r.number('createdAtMs', text(8)),
    dedupeKey: text(9),
    status: r.text<ClaimedJob['status']>('status', text(10), oneOfProblem(claimedStatuses), 'running'),
    attempt: r.number('attempt', text(11)),
    maxAttempts: r.number('maxAttempts', text(12)),
    fencingToken: r.number('fencingToken', text(13)),
    leaseExpiresAtMs: r.numberOrNull('leaseExpiresAtMs', text(14)),
  };
  // Decoded only when present (the untraced hot path reads one null).
  const traceContext = row[at + 15];
  if (traceContext !== null && traceContext !== undefined && traceContext !== '') claimed.traceContext = String(traceContext);
  const hist = present(text(16) ?? undefined);
  if (hist !== undefined) r.json('attempts', hist, (raw) => JSON.parse(`[${String(raw)}]`), { absent: [], fallback: [], problem: jobAttemptsProblem });
  r.json('error', present(text(17) ?? undefined), parseJson, { absent: null, fallback: null, problem: jobErrorProblem });
  r.json('result', present(text(18) ?? undefined), parseJson, { absent: null, fallback: null });
  const parents = text(19);
  if (parents !== null) claimed.parents = readParents(r, parents);
  return r.finish(claimed);
}

/** Every job of a claim's flat reply. */
export function decodeClaimedRows(row: readonly ReplyValue[]): ClaimedJob[] {
  const jobs: ClaimedJob[] = [];
  for (let at = 0; at + claimedWidth <= row.length; at += claimedWidth) jobs.push(decodeClaimed(row, at));
  return jobs;
}

/**
 * A schedule hash → ScheduleRecord. Fields: task, data, trig, pri, maxr, grace, coal, paused, next,
 * last, cat, uat, lo, lx, lt, fired, skip, miss, tc (trace context of the last write; only when it
 * had one), cul (catch-up limit; absent from a hash written before it existed: 1000), ovl (overlap policy;
 * absent: 'skip'). Unreadable fields as in `decodeJob`.
 */
export function decodeSchedule(id: string, flat: FlatHash): ScheduleRecord {
  const f = toMap(flat);
  const r = new FieldReader();
  const schedule: ScheduleRecord = {
    id,
    task: f.get('task') ?? '',
    data: r.json<JsonValue>('data', f.get('data') ?? 'null', parseJson, { absent: null, fallback: null }),
    trigger: r.json<ScheduleRecord['trigger']>('trigger', f.get('trig'), parseJson, {
      absent: unreadableTrigger,
      fallback: unreadableTrigger,
      problem: triggerProblem,
    }),
    priority: r.number('priority', f.get('pri') ?? '0'),
    maxRunning: r.numberOrNull('maxRunning', f.get('maxr')),
    misfireGraceMs: r.numberOrNull('misfireGraceMs', f.get('grace')),
    coalesce: r.text<CoalescePolicy>('coalesce', f.get('coal') ?? 'latest', oneOfProblem(['latest', 'earliest', 'all']), 'latest'),
    catchUpLimit: r.number('catchUpLimit', f.get('cul') ?? String(defaultCatchUpLimit), defaultCatchUpLimit),
    overlap: r.text<OverlapPolicy>('overlap', f.get('ovl') ?? 'skip', oneOfProblem(overlapPolicies), 'skip'),
    paused: f.get('paused') === '1',
    nextFireAtMs: r.numberOrNull('nextFireAtMs', f.get('next')),
    lastFireAtMs: r.numberOrNull('lastFireAtMs', f.get('last')),
    createdAtMs: r.number('createdAtMs', f.get('cat')),
    updatedAtMs: r.number('updatedAtMs', f.get('uat')),
    leaseOwner: f.get('lo') ?? null,
    leaseExpiresAtMs: r.numberOrNull('leaseExpiresAtMs', f.get('lx')),
    leaseToken: r.number('leaseToken', f.get('lt') ?? '0'),
    firedCount: r.number('firedCount', f.get('fired') ?? '0'),
    skippedCount: r.number('skippedCount', f.get('skip') ?? '0'),
    missedCount: r.number('missedCount', f.get('miss') ?? '0'),
  };
  const traceContext = f.get('tc');
  if (traceContext) schedule.traceContext = traceContext;
  return r.finish(schedule);
}

/** job-stats.lua's reply: the counts hash, flat, and three counts per bucket, oldest bucket first. */
export function decodeJobStats(range: JobStatsRange, countsFlat: readonly string[], buckets: readonly number[]): JobStats {
  const stats = emptyJobStats(range);
  for (let i = 0; i + 1 < countsFlat.length; i += 2) setStatusCount(stats, String(countsFlat[i]), Number(countsFlat[i + 1]));
  stats.finished.forEach(({ bucketStartMs }, index) => {
    addFinished(stats, range, 'succeeded', bucketStartMs, Number(buckets[index * 3] ?? 0));
    addFinished(stats, range, 'dead', bucketStartMs, Number(buckets[index * 3 + 1] ?? 0));
    addFinished(stats, range, 'cancelled', bucketStartMs, Number(buckets[index * 3 + 2] ?? 0));
  });
  return stats;
}

/** A number or null as a script argument ('' = null). */
export const optionalNumberArg = (value: number | null | undefined): string => (value === null || value === undefined ? '' : String(value));
