import type { SchedulerEvents } from '../runtime/events.ts';
import type { ControllerEnqueued, ControllerStatus } from '../controllers/controller-options.ts';

/**
 * The events every node can see (`scheduler.on(event, listener, { scope: 'cluster' })`): the
 * scheduler events that are plain data, plus the leader events of `LeaderElector`s. Each is the
 * payload its node emitted locally, carried through the store's event log.
 */
export interface ClusterEvents extends Pick<SchedulerEvents, PublishedSchedulerEvent> {
  'leader.elected': { name: string; nodeId: string; term: number };
  'leader.deposed': { name: string; nodeId: string; term: number; reason: 'lost' | 'renew-deadline' | 'stopped' };
  /** A running controller's status (every few seconds, and when it stops), from the node it runs on. */
  'controller.status': ControllerStatus & { nodeId: string };
  /** A key for a controller, appended on a node where it does not run (`controller.enqueue`). */
  'controller.enqueued': ControllerEnqueued;
}

/** Which node emitted a cluster event, when (its clock), and where it is in the store's log. */
export interface ClusterEventMeta {
  seq: number;
  nodeId: string;
  atMs: number;
}

/** The name of a cluster event: a key of `ClusterEvents`. */
export type ClusterEventName = keyof ClusterEvents;
/**
 * A listener of the cluster event `E`, called with its payload and where it came from
 * (`scheduler.on(event, listener, { scope: 'cluster' })`).
 */
export type ClusterEventListener<E extends ClusterEventName> = (payload: ClusterEvents[E], meta: ClusterEventMeta) => void;

/**
 * The scheduler events a node appends to the log when some live node listens to them. Left
 * out: those that carry `Error` objects or only make sense inside the process (`error`,
 * `record.quarantined`, `store.opened`, `store.openFailed`).
 */
export const publishedSchedulerEvents = [
  'scheduler.started',
  'scheduler.stopped',
  'schedule.created',
  'schedule.updated',
  'schedule.removed',
  'schedule.paused',
  'schedule.resumed',
  'schedule.fired',
  'schedule.missed',
  'schedule.skipped',
  'schedule.ended',
  'job.enqueued',
  'job.started',
  'job.succeeded',
  'job.failed',
  'job.dead',
  'job.cancelled',
  'job.released',
  'lease.lost',
  'lease.expired',
  'breaker.changed',
  'rateLimit.deferred',
] as const satisfies ReadonlyArray<keyof SchedulerEvents>;

export type PublishedSchedulerEvent = (typeof publishedSchedulerEvents)[number];

export const clusterEventNames: readonly ClusterEventName[] = [
  ...publishedSchedulerEvents,
  'leader.elected',
  'leader.deposed',
  'controller.status',
  'controller.enqueued',
];

/** The events that end a job: what `scheduler.result()` waits for. */
export const finalJobEvents = ['job.succeeded', 'job.dead', 'job.cancelled'] as const satisfies readonly ClusterEventName[];

export function isClusterEventName(name: string): name is ClusterEventName {
  return (clusterEventNames as readonly string[]).includes(name);
}
