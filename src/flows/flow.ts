import { assertIdentifier } from '../domain/identifier.ts';
import { InvalidArgumentError } from '../errors.ts';

import { maxParents } from '../store/new-job-parents.ts';

export { maxParents };
/** The most jobs one `flow()` creates (one atomic store step). */
export const maxFlowSize = 1_000;

/**
 * A flow's steps in an order where every parent comes before its children (the order
 * `enqueueJobs` needs), checked: keys unique, `after` naming keys of this flow or ids of stored
 * jobs, no cycle. Kahn's algorithm, stable: steps keep their given order where the edges allow.
 */
export function orderFlowSteps<S extends { key: string; after?: readonly string[] | undefined }>(steps: readonly S[]): S[] {
  if (!Array.isArray(steps) || steps.length === 0) throw new InvalidArgumentError('Expected `flow` to be given a non-empty array of steps');
  if (steps.length > maxFlowSize) throw new InvalidArgumentError(`Expected at most ${maxFlowSize} steps in a flow, got ${steps.length}`);
  const byKey = new Map<string, S>();
  for (const step of steps) {
    const key = assertIdentifier(step?.key, 'flow step `key`');
    if (byKey.has(key)) throw new InvalidArgumentError(`Two steps of the flow have the key "${key}"`);
    byKey.set(key, step);
  }
  const pending = new Map<string, number>();
  const children = new Map<string, string[]>();
  for (const step of steps) {
    const parents = checkAfter(step.after, `\`after\` of flow step "${step.key}"`);
    let count = 0;
    for (const parent of parents) {
      if (!byKey.has(parent)) continue; // a stored job's id: no edge inside the flow
      if (parent === step.key) throw new InvalidArgumentError(`Flow step "${step.key}" waits for itself`);
      count++;
      children.set(parent, [...(children.get(parent) ?? []), step.key]);
    }
    pending.set(step.key, count);
  }
  for (const [parent] of children) {
    // A deduplicated step is answered with another job: its children would wait for an id never stored.
    if ((byKey.get(parent) as { dedupeKey?: unknown }).dedupeKey !== undefined) {
      throw new InvalidArgumentError(`Flow step "${parent}" has a dedupeKey and other steps wait for it: give it no dedupeKey, or enqueue it first and name its id in \`after\``);
    }
  }
  const ordered: S[] = [];
  const ready = steps.filter((step) => pending.get(step.key) === 0).map((step) => step.key);
  while (ready.length > 0) {
    const key = ready.shift()!;
    ordered.push(byKey.get(key)!);
    for (const child of children.get(key) ?? []) {
      const left = pending.get(child)! - 1;
      pending.set(child, left);
      if (left === 0) ready.push(child);
    }
  }
  if (ordered.length < steps.length) {
    const stuck = steps.filter((step) => pending.get(step.key)! > 0).map((step) => step.key);
    throw new InvalidArgumentError(`The flow has a cycle through the steps ${stuck.map((key) => `"${key}"`).join(', ')}`);
  }
  return ordered;
}

/** `after` as given to `enqueue` or a flow step: identifiers, at most `maxParents`, no duplicates. */
export function checkAfter(after: unknown, what: string): string[] {
  if (after === undefined || after === null) return [];
  if (!Array.isArray(after)) throw new InvalidArgumentError(`Expected ${what} to be an array of job ids, got ${typeof after}`);
  if (after.length > maxParents) throw new InvalidArgumentError(`Expected at most ${maxParents} entries in ${what}, got ${after.length}`);
  const seen = new Set<string>();
  for (const id of after) {
    assertIdentifier(id, what);
    if (seen.has(id)) throw new InvalidArgumentError(`${what} names "${id}" twice`);
    seen.add(id);
  }
  return [...seen];
}
