import { JobCancelledError, LeaseExpiredError, LeaseLostError } from '../errors.ts';
import type { JobCompletion, Store } from '../store/store.ts';
import type { Clock } from '../time/clock.ts';
import type { SchedulerEventEmitter } from './events.ts';
import { toJobError } from './job-error.ts';
import { corruptRecordError } from './quarantine.ts';
import type { RunningJob } from './job-executor.ts';

export interface LeaseKeeperContext {
  store: Store;
  clock: Clock;
  nodeId: string;
  events: SchedulerEventEmitter;
  leaseMs: number;
}

/**
 * Renews the leases of every job this node runs, in one store call. A lease found lost aborts its
 * handler with `LeaseLostError` (its outcome is then never written); an operator's cancel request
 * aborts it with `JobCancelledError`. A job whose outcome is being written is renewed too (the
 * write may wait in a batch), but a failed renewal of it is no alarm: it raced the write itself,
 * and the write's answer reports a real loss (`lease.lost` from `executeJob`).
 */
export async function renewLeases(ctx: LeaseKeeperContext, running: ReadonlyMap<string, RunningJob>): Promise<void> {
  if (running.size === 0) return;
  const jobs = [...running.values()];
  const renewals = await ctx.store.renewLeases({
    nodeId: ctx.nodeId,
    nowMs: ctx.clock.now(),
    leaseMs: ctx.leaseMs,
    leases: jobs.map(({ job }) => ({ jobId: job.id, fencingToken: job.fencingToken })),
  });
  for (const renewal of renewals) {
    const entry = running.get(renewal.jobId);
    if (!entry) continue;
    if (!renewal.held) {
      // Not a loss: the job's own outcome was written first (its write reports a real loss).
      if (entry.outcomeWriting) continue;
      entry.abort(new LeaseLostError(`Node ${ctx.nodeId} lost the lease of job ${entry.job.id}; another node owns it now`));
      ctx.events.emit('lease.lost', { jobId: entry.job.id, fencingToken: entry.job.fencingToken });
    } else if (renewal.cancelRequested) {
      entry.abort(new JobCancelledError(`Job ${entry.job.id} was cancelled`));
    }
  }
}

/**
 * Takes over jobs whose node stopped renewing their lease: each is retried at once while it has
 * attempts left (the crash was not the handler's error, so no backoff), else dead-lettered.
 * The write is fenced, so when two nodes reap the same job only one succeeds.
 * Returns how many jobs this node took over.
 */
export async function reapExpiredLeases(
  ctx: LeaseKeeperContext,
  running: ReadonlyMap<string, RunningJob>,
  limit: number,
): Promise<number> {
  const nowMs = ctx.clock.now();
  const expired = await ctx.store.findExpiredLeases({ nowMs, limit });
  // Ours are late heartbeats, not crashes: renewLeases decides about them.
  const theirs = expired.filter((job) => !running.has(job.id));
  const decisions = theirs.map((job) => {
    if (job.unreadable) {
      // Not retried: a record that cannot be read could never run (see executeJob).
      const corrupt = corruptRecordError('job', job.id, job.unreadable);
      ctx.events.emit('record.quarantined', { kind: 'job', id: job.id, unreadable: job.unreadable, error: corrupt });
      const error = toJobError(corrupt);
      return { job, error, completion: { status: 'dead', error, attemptOutcome: 'lease_expired' } satisfies JobCompletion };
    }
    const error = toJobError(
      new LeaseExpiredError(`Lease of job ${job.id} expired: node ${job.leaseOwner ?? '?'} stopped renewing it (crashed or blocked)`),
    );
    const completion: JobCompletion =
      job.attempt < job.maxAttempts
        ? { status: 'retry', error, retryAtMs: nowMs, attemptOutcome: 'lease_expired' }
        : { status: 'dead', error, attemptOutcome: 'lease_expired' };
    return { job, error, completion };
  });
  if (decisions.length === 0) return 0;
  const results = await ctx.store.completeJobs(
    decisions.map(({ job, completion }) => ({ jobId: job.id, fencingToken: job.fencingToken, nowMs, completion })),
  );
  let reaped = 0;
  decisions.forEach(({ job, error, completion }, index) => {
    const stored = results[index]?.job;
    if (!stored) return; // another node reaped it first
    reaped++;
    ctx.events.emit('lease.expired', { job: stored, previousOwner: job.leaseOwner });
    if (completion.status === 'retry') ctx.events.emit('job.failed', { job: stored, error, retryAtMs: nowMs });
    else ctx.events.emit('job.dead', { job: stored, error });
  });
  return reaped;
}
