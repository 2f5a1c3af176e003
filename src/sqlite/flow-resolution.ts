import { childStatusAfterParentEnds, parentFailedError } from '../domain/parent-resolution.ts';
import { parentFailurePolicies, type ParentFailurePolicy } from '../domain/job.ts';
import type { Row } from './row-mapping.ts';
import type { Statements } from './statements.ts';

type FinalStatus = 'succeeded' | 'dead' | 'cancelled';

/**
 * A job reached a final status (`Store.completeJobs`, `cancelJob`): resolves its waiting children
 * inside the caller's transaction, and theirs in turn when a parent's failure ends them. An
 * explicit stack, not recursion: a long chain of `fail` children must not exhaust the JS stack.
 */
export function resolveChildren(s: Statements, parentId: string, parentStatus: FinalStatus, nowMs: number): void {
  const ended: Array<{ id: string; status: FinalStatus }> = [{ id: parentId, status: parentStatus }];
  for (let parent = ended.pop(); parent !== undefined; parent = ended.pop()) {
    for (const edge of s.resolveEdges.all(parent.id) as Row[]) {
      const childId = String(edge.child_id);
      const child = s.childForResolution.get(childId) as Row | undefined;
      // Ended meanwhile (an operator's cancel, another parent's failure): its edge is resolved, nothing else.
      if (child === undefined || child.status !== 'waiting') continue;
      const unfinished = Math.max(0, Number(child.unfinished_parents) - 1);
      const next = childStatusAfterParentEnds(parent.status, policyOf(child.on_parent_failure), unfinished);
      if (next === 'waiting') {
        s.childStillWaiting.run({ id: childId, unfinished });
      } else if (next === 'queued') {
        s.childReleased.run({ id: childId, nowMs });
      } else {
        const error = parentFailedError(parent.id, parent.status as 'dead' | 'cancelled');
        s.childEnded.run({ id: childId, status: next, unfinished, error: JSON.stringify(error), nowMs });
        ended.push({ id: childId, status: next });
      }
    }
  }
}

/** The stored policy; damaged text acts as the default (the record read flags it unreadable). */
function policyOf(value: unknown): ParentFailurePolicy {
  return (parentFailurePolicies as readonly unknown[]).includes(value) ? (value as ParentFailurePolicy) : 'fail';
}

/** A job an operator retried is unfinished again: the children still waiting for it wait for it again. */
export function reopenChildren(s: Statements, parentId: string): void {
  s.reopenChildren.run(parentId);
  s.reopenEdges.run(parentId);
}
