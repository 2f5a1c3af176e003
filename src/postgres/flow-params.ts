import type { NewJob } from '../domain/job.ts';
import { checkedParents, checkedPolicy, hasParents } from '../store/new-job-parents.ts';

export { hasParents };

// The flow columns of an enqueue (NewJob.parents, onParentFailure), checked at the store's edge
// and sent as enqueue_flow_jobs takes them (migrations/0010): the parents of the whole batch as
// one jsonb array (an array of ids per job, null for a job without), the policies as text[].


/** The `parents` and `onParentFailure` arguments of enqueue_flow_jobs; throws InvalidArgumentError for a job that breaks their rules. */
export function flowParams(jobs: readonly NewJob[]): [parents: string, policies: Array<string | null>] {
  const parents = jobs.map((job) => (hasParents(job) ? checkedParents(job) : null));
  const policies = jobs.map((job, i) => (parents[i] === null ? null : checkedPolicy(job)));
  return [JSON.stringify(parents), policies];
}


