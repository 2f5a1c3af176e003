import type { Clock, Scheduler, Store } from '../index.ts';

/** What the routes share: the store to read, the scheduler that acts, and the time. */
export interface AdminContext {
  store: Store;
  /** The application's scheduler, or a client one (fires nothing, runs nothing) made on the store. */
  scheduler: Scheduler;
  /** Task names this process knows beyond those found in the store (the application's scheduler). */
  localTaskNames: () => string[];
  clock: Clock;
  /** Receives errors that are bugs or outages; the caller only gets a generic message. */
  report: (error: unknown) => void;
}
