import type { ClientBase } from 'pg';
import type { NewJob } from '../domain/job.ts';
import { InvalidArgumentError } from '../errors.ts';
import type { EnqueueResult } from '../store/store.ts';
import { newJobArrays } from './batch-params.ts';
import { sqlState } from './errors.ts';
import { flowParams, hasParents } from './flow-params.ts';
import type { JobContext } from './job-statements.ts';
import { rowToJob, type Row } from './row-mapping.ts';

/** The SQLSTATE enqueue_flow_jobs raises for a parent that names no job (migrations/0010). */
const unknownParent = 'SD001';

/**
 * `Store.enqueueJobs`: one statement creates the batch — enqueue_jobs, or enqueue_flow_jobs when
 * a job of it has parents (only then is the batch created job by job) — and the jobs that were
 * not created are answered with the job that blocked them.
 */
export async function enqueueJobs(ctx: JobContext, jobs: readonly NewJob[], tx: ClientBase | null): Promise<EnqueueResult[]> {
  if (jobs.length === 0) return [];
  const results = jobs.some(hasParents) ? await createFlow(ctx, jobs, tx) : await createPlain(ctx, jobs, tx);
  const missing = jobs.flatMap((job, index) => (results[index] === undefined ? [index] : []));
  if (missing.length === 0) return results as EnqueueResult[];
  const pick = <T>(get: (job: NewJob) => T) => missing.map((index) => get(jobs[index]!));
  const found = await ctx.sql.run('enqueueJobs', 'existingJobs', ctx.jobs.existingFor, [
    pick((job) => job.id), pick((job) => job.scheduleId), pick((job) => job.fireAtMs), pick((job) => job.dedupeKey),
  ], tx);
  for (const existing of found) results[missing[Number(existing.i) - 1]!] = { job: rowToJob(existing), created: false };
  // The job it collided with was purged or finished in between: enqueue those again.
  const retry = missing.filter((index) => results[index] === undefined);
  if (retry.length > 0) {
    const again = await enqueueJobs(ctx, retry.map((index) => jobs[index]!), tx);
    retry.forEach((index, k) => (results[index] = again[k]));
  }
  return results as EnqueueResult[];
}

/** The usual batch: one row back, the created ids, or NULL when every job was created (decoding nothing per job). */
async function createPlain(ctx: JobContext, jobs: readonly NewJob[], tx: ClientBase | null): Promise<Array<EnqueueResult | undefined>> {
  const [row] = await ctx.sql.keyed(tx, () => ctx.sql.run('enqueueJobs', 'enqueueJobs', ctx.jobs.enqueue, [...newJobArrays(jobs), ctx.channel, jobs.length], tx));
  const created: EnqueueResult = { created: true };
  if (row?.ids === null || row?.ids === undefined) return jobs.map(() => created);
  const createdIds = new Set(row.ids as string[]);
  // A second job with the same id in the batch was not created.
  return jobs.map((job) => (createdIds.delete(job.id) ? created : undefined));
}

/** A flow's batch: one row per created job, with the record of those with parents (the store decided their status). */
async function createFlow(ctx: JobContext, jobs: readonly NewJob[], tx: ClientBase | null): Promise<Array<EnqueueResult | undefined>> {
  const params = [...newJobArrays(jobs), ...flowParams(jobs), ctx.channel];
  let rows: Row[];
  try {
    rows = await ctx.sql.keyed(tx, () => ctx.sql.run('enqueueJobs', 'enqueueFlowJobs', ctx.jobs.enqueueFlow, params, tx));
  } catch (error) {
    if (sqlState(error) !== unknownParent) throw error;
    throw new InvalidArgumentError((error as Error).message, { cause: error });
  }
  const results: Array<EnqueueResult | undefined> = jobs.map(() => undefined);
  for (const row of rows) {
    results[Number(row.i) - 1] = row.job === null || row.job === undefined ? { created: true } : { created: true, job: rowToJob(row.job as Row) };
  }
  return results;
}
