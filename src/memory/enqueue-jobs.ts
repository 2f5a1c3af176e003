import type { NewJob } from '../domain/job.ts';
import type { EnqueueResult } from '../store/store.ts';
import type { JobTable, StoredJob } from './job-table.ts';
import { insertWithParents } from './job-parents.ts';

/**
 * `Store.enqueueJobs` on MemoryStore's JobTable: creates the jobs in order, answering existing
 * ones that block a job, as one atomic step — when a job throws (an unknown parent), the jobs the
 * batch already created are deleted again before the error goes out.
 */
export function enqueueJobs(jobs: JobTable, batch: readonly NewJob[]): EnqueueResult[] {
  const created: StoredJob[] = [];
  try {
    return batch.map((job): EnqueueResult => {
      const existing = jobs.findConflict(job) ?? jobs.get(job.id);
      if (existing) return { created: false, job: structuredClone(existing.record) };
      const { parents } = job;
      if (!parents || parents.length === 0) {
        created.push(jobs.insert(job));
        return { created: true };
      }
      // The store decided its status: the caller gets the record to know it.
      const stored = insertWithParents(jobs, { ...job, parents });
      created.push(stored);
      return { created: true, job: structuredClone(stored.record) };
    });
  } catch (error) {
    for (const stored of created.reverse()) jobs.delete(stored);
    throw error;
  }
}
