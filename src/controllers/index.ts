/**
 * Control loops over a client-go style work queue, leader election, and the host that runs them (and any
 * other long-running service) in a process.
 *
 * @packageDocumentation
 * @module sundial-scheduler/controllers
 */
export type { HostedService, ServiceHealth } from './hosted-service.ts';
export { Host, HostStateError, type HostHealth, type HostOptions, type HostStopResult, type ServiceState, type ServiceStatus } from './host.ts';
export {
  bucketRateLimiter,
  defaultControllerRateLimiter,
  itemExponentialRateLimiter,
  maxOfRateLimiters,
  type BucketRateLimiterOptions,
  type ItemExponentialRateLimiterOptions,
  type RateLimiter,
} from './rate-limiters.ts';
export { WorkQueue, type WorkQueueHooks, type WorkQueueOptions, type WorkQueueStats } from './work-queue.ts';
export { Controller, controller } from './controller.ts';
export type { ControllerOptions, ControllerStatus, ReconcileContext } from './controller-options.ts';
export type { ReconcileResult } from './reconcile-result.ts';
export type { ControllerEventListener, ControllerEventName, ControllerEvents } from './controller-events.ts';
export type { KeyError } from './key-errors.ts';
export type { Percentiles } from './recent-window.ts';
// Thrown from a reconcile to stop retrying its key; re-exported so controller code needs one import.
export { TerminalError } from '../errors.ts';
export { LeaderElector, type LeaderElectorOptions, type LeaderTerm } from './leader-elector.ts';
export type { LeaderEventMap } from './leader-events.ts';
export { leaderOnly, type LeaderOnlyOptions } from './leader-only.ts';
export type { ControllerEnqueued } from './controller-options.ts';
