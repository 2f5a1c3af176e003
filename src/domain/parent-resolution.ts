import type { JobError, JobStatus, ParentFailurePolicy } from './job.ts';
import { parentFailedErrorName } from './job.ts';

/**
 * What a waiting child becomes when one of its parents reaches a final status — the one rule
 * every store applies (see `Store.completeJobs`), written once here for the in-process stores and
 * as the reference for the SQL and Lua ones.
 *
 * `unfinishedAfter` is how many of the child's parents are still unfinished once this one is
 * counted as finished. Returns the child's new status: still `waiting`, `queued` (it may run), or
 * `dead`/`cancelled` (a parent failed and the child's policy ends it now).
 */
export function childStatusAfterParentEnds(
  parentStatus: 'succeeded' | 'dead' | 'cancelled',
  policy: ParentFailurePolicy,
  unfinishedAfter: number,
): Extract<JobStatus, 'waiting' | 'queued' | 'dead' | 'cancelled'> {
  if (parentStatus !== 'succeeded' && policy !== 'ignore') return policy === 'cancel' ? 'cancelled' : 'dead';
  return unfinishedAfter > 0 ? 'waiting' : 'queued';
}

/** The error a child ended by its parent's failure carries. */
export function parentFailedError(parentId: string, parentStatus: 'dead' | 'cancelled'): JobError {
  return { name: parentFailedErrorName, message: `parent job ${parentId} ended ${parentStatus}` };
}
