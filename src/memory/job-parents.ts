import { isFinalJobStatus } from '../domain/job.ts';
import type { JobStatus, NewJob, ParentFailurePolicy } from '../domain/job.ts';
import { childStatusAfterParentEnds, parentFailedError } from '../domain/parent-resolution.ts';
import { InvalidArgumentError } from '../errors.ts';
import type { JobTable, StoredJob } from './job-table.ts';

// Flows on MemoryStore's JobTable: a job with parents is created with the status they give it,
// and a job reaching a final status resolves its waiting children (the rule is the domain's,
// `childStatusAfterParentEnds`; see `Store.enqueueJobs` and `Store.completeJobs`).

type EndedStatus = 'succeeded' | 'dead' | 'cancelled';

/**
 * Inserts a job with parents: waiting while any is unfinished, queued when all finished, dead or
 * cancelled when one already ended badly and its policy says so — as if each final parent had
 * just ended, at the job's creation (the only instant an enqueue carries). Throws
 * `InvalidArgumentError` before changing anything when a parent is not stored (the caller inserts
 * a batch in order, so jobs earlier in it are stored by then).
 */
export function insertWithParents(jobs: JobTable, job: NewJob & { parents: readonly string[] }): StoredJob {
  const parents = job.parents.map((id) => {
    const parent = jobs.get(id);
    if (parent === undefined) {
      throw new InvalidArgumentError(`Job "${job.id}" names parent "${id}", which is neither a stored job nor one earlier in its batch`);
    }
    return parent.record;
  });
  const policy: ParentFailurePolicy = job.onParentFailure ?? 'fail';
  const unfinished = parents.filter((parent) => !isFinalJobStatus(parent.status)).length;
  for (const parent of parents) {
    if (parent.status !== 'dead' && parent.status !== 'cancelled') continue;
    const status = childStatusAfterParentEnds(parent.status, policy, unfinished);
    if (status !== 'dead' && status !== 'cancelled') continue;
    const stored = jobs.insert(job, status);
    stored.record.finishedAtMs = job.createdAtMs;
    stored.record.error = parentFailedError(parent.id, parent.status);
    return stored;
  }
  if (unfinished > 0) return jobs.insert(job, 'waiting');
  return jobs.insert({ ...job, runAtMs: Math.max(job.runAtMs, job.createdAtMs) }, 'queued');
}

/**
 * Resolves the waiting children of a job that just reached a final status, at `nowMs`, and the
 * children of every child that ends with it, in the same synchronous (so atomic) step.
 */
export function resolveChildren(jobs: JobTable, ended: StoredJob, nowMs: number): void {
  const pending: StoredJob[] = [ended];
  for (let parent = pending.pop(); parent !== undefined; parent = pending.pop()) {
    const parentId = parent.record.id;
    const parentStatus = parent.record.status as EndedStatus;
    for (const child of jobs.childrenOf(parentId)) {
      const record = child.record;
      if (record.status !== 'waiting') continue;
      const status = childStatusAfterParentEnds(parentStatus, record.onParentFailure ?? 'fail', unfinishedParents(jobs, record.parents ?? []));
      if (status === 'waiting') continue;
      record.updatedAtMs = nowMs;
      if (status === 'queued') {
        record.runAtMs = Math.max(record.runAtMs, nowMs);
      } else {
        record.finishedAtMs = nowMs;
        record.error = parentFailedError(parentId, parentStatus as Exclude<EndedStatus, 'succeeded'>);
        pending.push(child);
      }
      jobs.setStatus(child, status satisfies JobStatus);
    }
  }
}

/** How many of these parents are not final now. A parent no longer stored was purged, so final. */
function unfinishedParents(jobs: JobTable, parents: readonly string[]): number {
  let unfinished = 0;
  for (const id of parents) {
    const parent = jobs.get(id);
    if (parent !== undefined && !isFinalJobStatus(parent.record.status)) unfinished += 1;
  }
  return unfinished;
}
