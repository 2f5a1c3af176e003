/**
 * The schedulers of this process that were started and not yet stopped, by node id. Test kits use
 * it as a leak guard (`liveSchedulers()` in sundial-scheduler/testing): a test that leaves a node running
 * leaves timers, leases and open stores behind for the next one.
 */
const live = new Set<string>();

export function markSchedulerStarted(nodeId: string): void {
  live.add(nodeId);
}

export function markSchedulerStopped(nodeId: string): void {
  live.delete(nodeId);
}

/** Node ids of the schedulers started in this process and not stopped yet. */
export function liveSchedulers(): string[] {
  return [...live];
}
