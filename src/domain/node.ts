/** A process sharing the store, as it last reported itself. */
export interface NodeRecord {
  id: string;
  hostname: string;
  pid: number;
  /** What the node does: fire schedules, run jobs (both for a full node; neither for a client). */
  roles: { schedules: boolean; jobs: boolean };
  /** The tasks it can run. */
  tasks: string[];
  concurrency: number;
  /** Jobs it was running at its last report. */
  running: number;
  startedAtMs: number;
  /** Its last report; a node not seen for a few report intervals is gone. */
  lastSeenAtMs: number;
  /** The Sundial version it runs. */
  version: string;
  /**
   * The event names this node listens to across the cluster (`scope: 'cluster'`, result waits):
   * other nodes append those events to the store's event log, and only those. Empty for none.
   */
  clusterEvents: string[];
}
