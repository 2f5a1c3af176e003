import { snapshotOf } from '../domain/job.ts';
import { JobCancelledError, LeaseExpiredError, LeaseLostError } from '../errors.ts';
import type { JobCompletion, Store } from '../store/store.ts';
import type { Clock } from '../time/clock.ts';
import type { SchedulerEventEmitter } from './events.ts';
import type { HeldJob } from './held-job.ts';
import { toJobError } from './job-error.ts';
import { corruptRecordError } from './quarantine.ts';

export interface LeaseKeeperContext {
  store: Store;
  clock: Clock;
  nodeId: string;
  events: SchedulerEventEmitter;
  leaseMs: number;
}

/** What `renewLeases` found about jobs this node no longer holds, for the loop to let go of. */
export interface RenewalFindings {
  /** Held jobs that had not started and are no longer this node's (a reservation cancelled by a schedule edit, a cancelled job, taken over). */
  dropped: HeldJob[];
}

/**
 * Renews the lease of every job this node holds, in one store call, and reports the starts of
 * reserved jobs the store does not know of yet. A running job whose lease was lost is aborted
 * with `LeaseLostError` (its outcome is then never written) and `lease.lost` is emitted; an
 * operator's cancel request aborts it with `JobCancelledError`. A held job that had not started
 * is just let go (`dropped`): nobody ran it. A job whose outcome is being written is renewed too
 * (the write may wait in a batch), but a failed renewal of it is no alarm: it raced the write
 * itself, and the write's answer reports a real loss.
 */
export async function renewLeases(ctx: LeaseKeeperContext, held: readonly HeldJob[]): Promise<RenewalFindings> {
  const findings: RenewalFindings = { dropped: [] };
  if (held.length === 0) return findings;
  const nowMs = ctx.clock.now();
  const reported = held.map((job) => job.storeReserved && job.startedAtMs !== null);
  const renewals = await ctx.store.renewLeases({
    nodeId: ctx.nodeId,
    nowMs,
    leaseMs: ctx.leaseMs,
    leases: held.map((job, i) => (reported[i] ? { jobId: job.id, fencingToken: job.claimed.fencingToken, startedAtMs: job.startedAtMs! } : { jobId: job.id, fencingToken: job.claimed.fencingToken })),
  });
  renewals.forEach((renewal, i) => {
    const job = held[i];
    if (!job || job.id !== renewal.jobId) return;
    if (!renewal.held) {
      if (job.state === 'writing') return; // not a loss: the job's own outcome got there first
      if (job.startedAtMs === null) {
        findings.dropped.push(job);
        return;
      }
      job.abort(new LeaseLostError(`Node ${ctx.nodeId} lost the lease of job ${job.id}; another node owns it now`));
      ctx.events.emit('lease.lost', { jobId: job.id, fencingToken: job.claimed.fencingToken });
      return;
    }
    if (reported[i]) job.storeReserved = false;
    const waitsForItsInstant = job.storeReserved && job.startedAtMs === null;
    job.leaseUntilMs = (waitsForItsInstant ? Math.max(nowMs, job.claimed.runAtMs) : nowMs) + ctx.leaseMs;
    if (renewal.cancelRequested && !job.cancelRequested) {
      job.cancelRequested = true;
      if (job.state === 'running') job.abort(new JobCancelledError(`Job ${job.id} was cancelled`));
    }
  });
  return findings;
}

/**
 * Takes over jobs whose node stopped renewing their lease. A running one is retried at once while
 * it has attempts left (the crash was not the handler's error, so no backoff), else dead-lettered.
 * A reserved one (its node died before starting it) goes back to the queue with no attempt
 * counted, for any node to claim. The write is fenced, so when two nodes reap the same job only
 * one succeeds. Returns how many jobs this node took over.
 */
export async function reapExpiredLeases(ctx: LeaseKeeperContext, holds: (jobId: string) => boolean, limit: number): Promise<number> {
  const nowMs = ctx.clock.now();
  const expired = await ctx.store.findExpiredLeases({ nowMs, limit });
  // Ours are late heartbeats, not crashes: renewLeases decides about them.
  const theirs = expired.filter((job) => !holds(job.id));
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
    const completion: JobCompletion = job.cancelRequested
      ? // An operator asked to cancel it: it ends as cancelled rather than run again.
        { status: 'cancelled', error: toJobError(new JobCancelledError(`Job ${job.id} was cancelled (its node stopped renewing its lease)`)) }
      : job.status === 'reserved'
        ? { status: 'released' }
        : job.attempt < job.maxAttempts
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
    if (!results[index]?.completed) return; // another node reaped it first
    reaped++;
    const status = completion.status === 'released' ? 'queued' : completion.status === 'retry' ? 'failed' : completion.status === 'cancelled' ? 'cancelled' : 'dead';
    const snapshot = { ...snapshotOf(job), status, runAtMs: completion.status === 'retry' ? nowMs : job.runAtMs, nodeId: null } as const;
    ctx.events.emit('lease.expired', { job: snapshot, previousOwner: job.leaseOwner });
    if (completion.status === 'retry') ctx.events.emit('job.failed', { job: snapshot, error, retryAtMs: nowMs });
    else if (completion.status === 'dead') ctx.events.emit('job.dead', { job: { ...snapshot, finishedAtMs: nowMs, error }, error });
    else if (completion.status === 'cancelled') ctx.events.emit('job.cancelled', { job: { ...snapshot, finishedAtMs: nowMs, error: completion.error } });
  });
  return reaped;
}
