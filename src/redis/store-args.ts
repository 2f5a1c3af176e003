import { InvalidArgumentError } from '../errors.ts';
import type { CompleteJobRequest, JobStatsQuery } from '../store/store.ts';

/** One completion as the 9 arguments complete-jobs.lua reads per request. */
export function completionArgs(request: CompleteJobRequest): Array<string | number> {
  const { completion } = request;
  let retryAtMs = '';
  let error = '';
  let result = '';
  let outcome = '';
  switch (completion.status) {
    case 'succeeded':
      result = completion.result === null ? '' : JSON.stringify(completion.result);
      break;
    case 'retry':
      retryAtMs = String(completion.retryAtMs);
      error = JSON.stringify(completion.error);
      outcome = completion.attemptOutcome ?? '';
      break;
    case 'dead':
      error = JSON.stringify(completion.error);
      outcome = completion.attemptOutcome ?? '';
      break;
    case 'cancelled':
      error = JSON.stringify(completion.error);
      break;
    case 'released':
      break;
  }
  return [request.jobId, request.fencingToken, request.nowMs, completion.status, retryAtMs, error, result, outcome, request.endSchedule ? '1' : '0'];
}

/** More buckets than a dashboard can draw is a caller's mistake (a bucketMs in seconds, …). */
const maxBuckets = 10_000;

/** The bucket starts jobStats covers: from the bucket holding sinceMs to the one holding nowMs. */
export function jobStatsRange(query: JobStatsQuery): { firstBucketMs: number; lastBucketMs: number; bucketMs: number } {
  const { nowMs, sinceMs, bucketMs } = query;
  if (!Number.isSafeInteger(bucketMs) || bucketMs <= 0) {
    throw new InvalidArgumentError(`Expected \`bucketMs\` to be a positive integer, got ${String(bucketMs)}`);
  }
  if (!Number.isSafeInteger(sinceMs) || !Number.isSafeInteger(nowMs)) {
    throw new InvalidArgumentError(`Expected \`sinceMs\` and \`nowMs\` to be integer epoch milliseconds, got ${sinceMs} and ${nowMs}`);
  }
  const firstBucketMs = Math.floor(sinceMs / bucketMs) * bucketMs;
  const lastBucketMs = Math.floor(nowMs / bucketMs) * bucketMs;
  if ((lastBucketMs - firstBucketMs) / bucketMs + 1 > maxBuckets) {
    throw new InvalidArgumentError(`jobStats would return more than ${maxBuckets} buckets; use a wider \`bucketMs\` or a later \`sinceMs\``);
  }
  return { firstBucketMs, lastBucketMs, bucketMs };
}
