/**
 * Which jobs name a job among their `parents` (a flow's edges, read from the parent's side): what
 * a parent resolves when it ends, and what `listJobs({ parentId })` lists. An edge stays while the
 * child exists, even after its parent is purged (the child still names it).
 */
export class ChildIndex {
  readonly #children = new Map<string, Set<string>>();

  add(childId: string, parents: readonly string[]): void {
    for (const parentId of parents) {
      let children = this.#children.get(parentId);
      if (children === undefined) this.#children.set(parentId, (children = new Set()));
      children.add(childId);
    }
  }

  delete(childId: string, parents: readonly string[]): void {
    for (const parentId of parents) {
      const children = this.#children.get(parentId);
      children?.delete(childId);
      if (children?.size === 0) this.#children.delete(parentId);
    }
  }

  /** The children of `parentId`, in the order they were added (creation order). */
  of(parentId: string): string[] {
    return [...(this.#children.get(parentId) ?? [])];
  }
}
