import { parentFailurePolicies, type NewJob } from '../domain/job.ts';
import { InvalidArgumentError } from '../errors.ts';

// The flow columns of an enqueue (NewJob.parents, onParentFailure), checked at the store's edge
// and sent as enqueue_flow_jobs takes them (migrations/0010): the parents of the whole batch as
// one jsonb array (an array of ids per job, null for a job without), the policies as text[].

/** `NewJob.parents`' bound: a flow's fan-in, not a way to join thousands of jobs. */
const maxParents = 100;

/** Whether `job` is part of a flow (absent, null or empty parents: it is not). */
export function hasParents(job: NewJob): boolean {
  return job.parents !== undefined && job.parents !== null && job.parents.length > 0;
}

/** The `parents` and `onParentFailure` arguments of enqueue_flow_jobs; throws InvalidArgumentError for a job that breaks their rules. */
export function flowParams(jobs: readonly NewJob[]): [parents: string, policies: Array<string | null>] {
  const parents = jobs.map((job) => (hasParents(job) ? checkedParents(job) : null));
  const policies = jobs.map((job, i) => (parents[i] === null ? null : checkedPolicy(job)));
  return [JSON.stringify(parents), policies];
}

function checkedParents(job: NewJob): readonly string[] {
  const parents = job.parents ?? [];
  if (parents.length > maxParents) {
    throw new InvalidArgumentError(`Expected job "${job.id}" to have at most ${maxParents} parents, got ${parents.length}`);
  }
  const seen = new Set<string>();
  for (const parentId of parents) {
    if (typeof parentId !== 'string' || parentId === '') {
      throw new InvalidArgumentError(`Expected the parents of job "${job.id}" to be job ids, got ${JSON.stringify(parentId)}`);
    }
    // A duplicate would make no difference to when the job runs, but is surely a caller's mistake.
    if (seen.has(parentId)) throw new InvalidArgumentError(`Expected the parents of job "${job.id}" to be distinct, got "${parentId}" twice`);
    seen.add(parentId);
  }
  return parents;
}

function checkedPolicy(job: NewJob): string {
  const policy = job.onParentFailure ?? 'fail';
  if (!(parentFailurePolicies as readonly string[]).includes(policy)) {
    throw new InvalidArgumentError(`Expected \`onParentFailure\` of job "${job.id}" to be one of ${parentFailurePolicies.join(', ')}, got ${JSON.stringify(policy)}`);
  }
  return policy;
}
