import { parentFailurePolicies, type NewJob, type ParentFailurePolicy } from '../domain/job.ts';
import { InvalidArgumentError } from '../errors.ts';

// The flow fields of a `NewJob` as every store checks them at its edge (the Scheduler checks them
// too, but a store is also called directly): one rule, one message, for all stores.

/** `NewJob.parents`' bound: a flow's fan-in, not a way to join thousands of jobs. */
export const maxParents = 100;

/** Whether `job` is part of a flow (absent, null or empty parents: it is not). */
export function hasParents(job: NewJob): boolean {
  return job.parents !== undefined && job.parents !== null && job.parents.length > 0;
}

/** The parents as given, refused when they break `NewJob.parents`' rules (a duplicate would never be counted down). */
export function checkedParents(job: NewJob): readonly string[] {
  const parents = job.parents ?? [];
  if (parents.length > maxParents) {
    throw new InvalidArgumentError(`Expected job "${job.id}" to have at most ${maxParents} parents, got ${parents.length}`);
  }
  const seen = new Set<string>();
  for (const parentId of parents) {
    if (typeof parentId !== 'string' || parentId === '') {
      throw new InvalidArgumentError(`Expected the parents of job "${job.id}" to be job ids, got ${JSON.stringify(parentId)}`);
    }
    if (seen.has(parentId)) throw new InvalidArgumentError(`Expected the parents of job "${job.id}" to be distinct, got "${parentId}" twice`);
    seen.add(parentId);
  }
  return parents;
}

/** The job's `onParentFailure` (default 'fail'), refused when it is not one of the policies. */
export function checkedPolicy(job: NewJob): ParentFailurePolicy {
  const policy = job.onParentFailure ?? 'fail';
  if (!(parentFailurePolicies as readonly string[]).includes(policy)) {
    throw new InvalidArgumentError(`Expected \`onParentFailure\` of job "${job.id}" to be one of ${parentFailurePolicies.join(', ')}, got ${JSON.stringify(policy)}`);
  }
  return policy;
}
