import type { JobError, JobStatus } from '../domain/job.ts';
import type { JsonValue } from '../domain/json.ts';
import type { Store } from '../store/store.ts';

/** A parent of the running job, as its handler sees it (`context.parents`). */
export interface ParentJob {
  readonly id: string;
  readonly task: string;
  /** succeeded, or with `onParentFailure: 'ignore'` dead or cancelled too. */
  readonly status: JobStatus;
  /** What its handler returned (null when it did not succeed). */
  readonly result: JsonValue | null;
  readonly error: JobError | null;
}

/**
 * Reads the parents of a job before its handler runs, in the order they were given. A parent
 * purged from the history meanwhile is described as gone (status `cancelled`, no result) rather
 * than failing the child.
 */
export async function loadParents(store: Store, ids: readonly string[]): Promise<ParentJob[]> {
  const jobs = await Promise.all(ids.map((id) => store.getJob(id)));
  return ids.map((id, index) => {
    const job = jobs[index];
    if (!job) return { id, task: '', status: 'cancelled', result: null, error: { name: 'JobNotFoundError', message: `parent job ${id} is no longer stored` } };
    return { id, task: job.task, status: job.status, result: job.result, error: job.error };
  });
}
