import { isFinalJobStatus, type JobError, type JobStatus, type NewJob } from '../domain/job.ts';
import { childStatusAfterParentEnds, parentFailedError } from '../domain/parent-resolution.ts';
import { InvalidArgumentError } from '../errors.ts';
import type { EnqueueResult } from '../store/store.ts';
import { blockingJob } from './job-writes.ts';
import { rowToJob } from './row-mapping.ts';
import type { Row } from './row-mapping.ts';
import type { Statements } from './statements.ts';
import { checkedParents, checkedPolicy, hasParents } from '../store/new-job-parents.ts';

export { hasParents };

/**
 * Creates one job with parents inside the caller's transaction (see Store.enqueueJobs): blocked
 * as any job is, else created with the status its parents give it, its edges written, and
 * answered with its record. Its parents are read as they are now, so a parent earlier in the same
 * batch counts with the status its own creation gave it. A parent that names no job throws, and
 * the caller's rollback creates nothing of the batch.
 */
export function enqueueWithParents(s: Statements, job: NewJob): EnqueueResult {
  const existing = blockingJob(s, job) ?? (s.getJob.get(job.id) as Row | undefined);
  if (existing) return { created: false, job: rowToJob(existing) };
  const parents = checkedParents(job);
  const policy = checkedPolicy(job);
  const statuses = parents.map((parentId): JobStatus => {
    const row = s.parentStatus.get(parentId) as Row | undefined;
    if (row === undefined) {
      throw new InvalidArgumentError(
        `Job "${job.id}" names parent "${parentId}", which is neither a stored job nor one earlier in the same batch`,
      );
    }
    return String(row.status) as JobStatus;
  });
  const unfinished = statuses.filter((status) => !isFinalJobStatus(status)).length;
  // Each parent that is final already counts as having just finished, in the given order: the
  // first whose failure ends the job (its policy fail or cancel) is the one its error names.
  let status: JobStatus = unfinished > 0 ? 'waiting' : 'queued';
  let error: JobError | null = null;
  for (const [i, parentStatus] of statuses.entries()) {
    if (parentStatus !== 'dead' && parentStatus !== 'cancelled') continue;
    const next = childStatusAfterParentEnds(parentStatus, policy, unfinished);
    if (next === 'dead' || next === 'cancelled') {
      status = next;
      error = parentFailedError(parents[i]!, parentStatus);
      break;
    }
  }
  // The enqueue's instant is its creation: a job released at once is due no earlier than that.
  const nowMs = job.createdAtMs;
  const row = s.insertFlowJob.get({
    id: job.id,
    task: job.task,
    data: JSON.stringify(job.data),
    origin: job.origin,
    scheduleId: job.scheduleId,
    fireAtMs: job.fireAtMs,
    status,
    priority: job.priority,
    runAtMs: status === 'queued' ? Math.max(job.runAtMs, nowMs) : job.runAtMs,
    createdAtMs: job.createdAtMs,
    finishedAtMs: error === null ? null : nowMs,
    maxAttempts: job.maxAttempts,
    dedupeKey: job.dedupeKey,
    error: error === null ? null : JSON.stringify(error),
    // An empty string counts as none.
    traceContext: job.traceContext || null,
    parents: JSON.stringify(parents),
    onParentFailure: policy,
    unfinishedParents: unfinished,
  }) as Row | undefined;
  // Checked above under the write lock; kept for a unique index a future schema might add.
  if (row === undefined) return { created: false, job: rowToJob(s.getJob.get(job.id) as Row) };
  // A parent final already was counted just now: its edge is resolved from the start.
  for (const [i, parentId] of parents.entries()) s.insertEdge.run(parentId, job.id, isFinalJobStatus(statuses[i]!) ? 0 : 1);
  return { created: true, job: rowToJob(row) };
}

