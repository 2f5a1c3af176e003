import type { Clock, JobRecord, Scheduler, Store } from '../index.ts';
import type { ControllerStatuses } from './controller-statuses.ts';
import type { EnqueueRequest } from './enqueue-request.ts';

/** What the routes share: the store to read, the scheduler that acts, and the time. */
export interface AdminContext {
  store: Store;
  /** The application's scheduler, or a client one (fires nothing, runs nothing) made on the store. */
  scheduler: Scheduler;
  /** Task names this process knows beyond those found in the store (the application's scheduler). */
  localTaskNames: () => string[];
  /** Enqueues a job of a known task, through a scheduler that accepts it (see `createAdmin`). */
  enqueue: (request: EnqueueRequest) => Promise<JobRecord>;
  /** The last status of each controller, gathered from the cluster event log. */
  controllers: ControllerStatuses;
  /** Whether the scheduler's cluster event feed runs (it does once that scheduler is started). */
  followsCluster: () => boolean;
  clock: Clock;
  /** Receives errors that are bugs or outages; the caller only gets a generic message. */
  report: (error: unknown) => void;
}
