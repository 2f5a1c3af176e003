import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { NewJob } from '../domain/job.ts';
import type { EnqueueResult } from '../store/store.ts';
import { enqueueWithParents, hasParents } from './flow-enqueue.ts';
import { enqueueOne } from './job-writes.ts';
import { rowToJob } from './row-mapping.ts';
import type { Row } from './row-mapping.ts';
import type { Statements } from './statements.ts';

// Bulk enqueue: jobs that only an id can block (no fire instant, no dedupe key: what `enqueueMany`
// mostly gives) go in multi-row INSERTs of up to `chunkRows` rows, one statement per chunk instead
// of one per job, in runs of up to `runRows` jobs. Jobs with a fire instant or a dedupe key need a look-up first and go one by one,
// in order with the rest, so that a job is always judged against every job before it. So do jobs
// with parents (flow-enqueue.ts): their parents earlier in the batch must be written before them.

const chunkRows = 128;
const runRows = 1024;
const columns = `id, task, data, origin, schedule_id, fire_at_ms, status, priority, run_at_ms, created_at_ms, updated_at_ms,
  max_attempts, dedupe_key, trace_context`;
const rowPlaceholders = `(?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?)`;

/** Prepared multi-row INSERTs, one per row count (powers of two up to `chunkRows`). */
export class EnqueueStatements {
  readonly #db: DatabaseSync;
  readonly #inserts = new Map<number, StatementSync>();
  #maxSeq: StatementSync | null = null;
  #createdSince: StatementSync | null = null;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  insert(rows: number): StatementSync {
    let statement = this.#inserts.get(rows);
    if (!statement) {
      const values = Array.from({ length: rows }, () => rowPlaceholders).join(', ');
      statement = this.#db.prepare(`INSERT INTO jobs (${columns}) VALUES ${values} ON CONFLICT DO NOTHING`);
      this.#inserts.set(rows, statement);
    }
    return statement;
  }

  maxSeq(): number {
    this.#maxSeq ??= this.#db.prepare(`SELECT COALESCE(MAX(seq), 0) AS seq FROM jobs`);
    return Number((this.#maxSeq.get() as Row).seq);
  }

  /** Ids of the jobs inserted after `seq` (a new row's seq is the largest so far plus one). */
  createdSince(seq: number): Set<string> {
    this.#createdSince ??= this.#db.prepare(`SELECT id FROM jobs WHERE seq > ?`);
    return new Set((this.#createdSince.all(seq) as Row[]).map((row) => String(row.id)));
  }
}

/** Store.enqueueJobs inside the caller's transaction. */
export function enqueueJobs(s: Statements, bulk: EnqueueStatements, jobs: readonly NewJob[]): EnqueueResult[] {
  const results: EnqueueResult[] = [];
  let start = 0;
  for (let i = 0; i <= jobs.length; i++) {
    const job = jobs[i];
    const plain = job !== undefined && job.fireAtMs === null && job.dedupeKey === null && !hasParents(job);
    if (plain && i - start < runRows) continue;
    if (i > start) insertChunk(s, bulk, jobs, start, i, results);
    if (job === undefined) break;
    if (plain) {
      start = i;
    } else {
      results[i] = hasParents(job) ? enqueueWithParents(s, job) : enqueueOne(s, job);
      start = i + 1;
    }
  }
  return results;
}

/** Inserts jobs[from, to), all plain, in as few statements as their count allows (chunks, then powers of two). */
function insertChunk(s: Statements, bulk: EnqueueStatements, jobs: readonly NewJob[], from: number, to: number, results: EnqueueResult[]): void {
  const seqBefore = bulk.maxSeq();
  let inserted = 0;
  for (let at = from; at < to; ) {
    let rows = chunkRows;
    while (rows > to - at) rows >>= 1;
    const params: SQLInputValue[] = [];
    for (let k = at; k < at + rows; k++) {
      const job = jobs[k]!;
      // The trace context last: an empty string counts as none.
      params.push(job.id, job.task, JSON.stringify(job.data), job.origin, job.scheduleId, null, job.priority, job.runAtMs, job.createdAtMs, job.createdAtMs, job.maxAttempts, null, job.traceContext || null);
    }
    inserted += Number(bulk.insert(rows).run(...params).changes);
    at += rows;
  }
  if (inserted === to - from) {
    for (let k = from; k < to; k++) results[k] = { created: true };
    return;
  }
  // Some ids were taken (before, or earlier in this call): the first job with an id is created, the others get it.
  const created = bulk.createdSince(seqBefore);
  for (let k = from; k < to; k++) {
    const id = jobs[k]!.id;
    if (created.delete(id)) results[k] = { created: true };
    else results[k] = { created: false, job: rowToJob(s.getJob.get(id) as Row) };
  }
}
