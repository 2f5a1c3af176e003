import type { ClusterEventMeta, ClusterEvents, Scheduler } from '../index.ts';

/** What a running controller appends to the event log every 5 s and when it stops. */
export type PublishedControllerStatus = ClusterEvents['controller.status'];

/** A controller as `GET /controllers` shows it: its last status, who published it and when. */
export interface ControllerSighting extends PublishedControllerStatus {
  /** When the node appended the status (its clock). */
  publishedAtMs: number;
  /** Nothing heard for `controllerStaleAfterMs`: its node may be gone, or no longer runs it. */
  stale: boolean;
}

/** Controllers publish every 5 s: three statuses missed in a row make a controller stale. */
export const controllerStaleAfterMs = 3 * 5_000;
/** The most controllers remembered; past it, the one heard from longest ago makes room. */
const maxControllers = 1_000;

/**
 * The last `controller.status` each controller published, by name, gathered by a cluster
 * listener on the admin's scheduler. It sees only what is appended once that scheduler's event
 * feed runs: a freshly started admin shows a controller at its next status (within 5 s). A
 * controller that moved to another node (a new leader) is shown as the node that published last.
 */
export class ControllerStatuses {
  /** In order of last status, oldest first (a status moves its controller to the end). */
  readonly #byName = new Map<string, { status: PublishedControllerStatus; publishedAtMs: number }>();

  /** Listens on `scheduler` (cluster scope); returns the function that stops listening. */
  follow(scheduler: Scheduler): () => void {
    return scheduler.on('controller.status', (status, meta) => this.record(status, meta), { scope: 'cluster' });
  }

  /** Keeps `status` as its controller's last; anything without a name (a foreign record) is ignored. */
  record(status: PublishedControllerStatus, meta: ClusterEventMeta): void {
    if (typeof status !== 'object' || status === null || typeof status.name !== 'string' || status.name === '') return;
    this.#byName.delete(status.name);
    this.#byName.set(status.name, { status: { ...status, nodeId: typeof status.nodeId === 'string' ? status.nodeId : meta.nodeId }, publishedAtMs: meta.atMs });
    if (this.#byName.size > maxControllers) {
      const oldest = this.#byName.keys().next();
      if (!oldest.done) this.#byName.delete(oldest.value);
    }
  }

  /** Every controller heard from, by name, stale or not as of `nowMs`. */
  list(nowMs: number): ControllerSighting[] {
    return [...this.#byName.values()]
      .map(({ status, publishedAtMs }) => ({ ...status, publishedAtMs, stale: nowMs - publishedAtMs > controllerStaleAfterMs }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
