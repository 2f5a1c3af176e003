import type { JobRecord } from '../domain/job.ts';
import { InvalidJobStateError } from '../errors.ts';
import { sqlState } from './errors.ts';
import type { JobContext } from './job-statements.ts';
import { rowToJob, type Row } from './row-mapping.ts';

// The operator's job writes (Store.cancelJob, Store.retryJob): one statement each, then, when it
// changed nothing, a read of the job as it is to answer (or refuse) with.

/** `Store.cancelJob` (the cancel_job function resolves the children of a job cancelled now). */
export async function cancelJob(ctx: JobContext, request: { jobId: string; nowMs: number; reason: string }): Promise<JobRecord | null> {
  const error = JSON.stringify({ name: 'JobCancelledError', message: request.reason, code: 'JOB_CANCELLED' });
  const rows = await ctx.sql.run('cancelJob', 'cancelJob', ctx.jobs.cancel, [request.jobId, request.nowMs, error, ctx.channel]);
  return rows[0] ? rowToJob(rows[0]) : getJob(ctx, request.jobId);
}

/** `Store.retryJob`: only a dead or cancelled job, and only while no other active job holds its dedupe key. */
export async function retryJob(ctx: JobContext, request: { jobId: string; nowMs: number }): Promise<JobRecord | null> {
  let rows: Row[];
  try {
    rows = await ctx.sql.run('retryJob', 'retryJob', ctx.jobs.retry, [request.jobId, request.nowMs, ctx.channel]);
  } catch (error) {
    if (sqlState(error) !== '23505') throw error;
    throw new InvalidJobStateError(`Job ${request.jobId} cannot be retried: another active job holds its dedupeKey`, { cause: error });
  }
  if (rows[0]) return rowToJob(rows[0]);
  const job = await getJob(ctx, request.jobId);
  if (!job) return null;
  throw new InvalidJobStateError(`Job ${request.jobId} is ${job.status}; only dead or cancelled jobs can be retried`);
}

export async function getJob(ctx: JobContext, id: string): Promise<JobRecord | null> {
  const rows = await ctx.sql.read('getJob', 'getJob', ctx.jobs.get, [id]);
  return rows[0] ? rowToJob(rows[0]) : null;
}
