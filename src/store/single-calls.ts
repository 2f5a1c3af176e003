import { LeaseLostError } from '../errors.ts';
import type { CompleteJobRequest, ReleaseScheduleRequest, ReleaseScheduleResult, Store } from './store.ts';

/** Completes one job; throws `LeaseLostError` when its fencing token is stale. */
export async function completeJob(store: Store, request: CompleteJobRequest): Promise<void> {
  const [result] = await store.completeJobs([request]);
  if (!result?.completed) {
    throw new LeaseLostError(
      `Job ${request.jobId} is no longer held under fencing token ${request.fencingToken} (reclaimed, cancelled, finished or gone)`,
    );
  }
}

/** Releases one schedule. */
export async function releaseSchedule(store: Store, request: ReleaseScheduleRequest): Promise<ReleaseScheduleResult> {
  const [result] = await store.releaseSchedules([request]);
  return result!;
}
