import { checkMaxPayloadBytes, defaultMaxPayloadBytes } from '../domain/payload.ts';
import { InvalidArgumentError } from '../errors.ts';
import { defaultNodeId } from './node-id.ts';
import type { Store } from '../store/store.ts';
import type { TaskEntry } from '../tasks/task-registry.ts';
import { queueName } from '../tasks/task.ts';
import { systemClock, type Clock } from '../time/clock.ts';
import { parseDuration, type Duration } from '../time/duration.ts';
import { consoleLogger, type LogLevel, type Logger } from './logger.ts';
import type { Instrumentation } from './instrumentation.ts';

/**
 * The options of `new Scheduler(options)`: the store, the tasks this node runs, and how it claims, leases,
 * polls and shuts down. Only `store` is required (a node without `tasks` only schedules and enqueues).
 *
 * @example
 * const scheduler = new Scheduler({ store: new SqliteStore({ path: './sundial.db' }), tasks: [sendEmail] });
 */
export interface SchedulerOptions<Services = unknown> {
  /** Where schedules and jobs live. The scheduler opens it on first use and closes it in `stop()`. */
  store: Store;
  /** The tasks this node can run: `task()` definitions and `@Task` classes. */
  tasks?: readonly TaskEntry[];
  /** Handed to every handler as `context.services` (a DI container with `get(token)`, or a plain object). */
  services?: Services;
  /** @defaultValue the system clock; tests pass a `VirtualClock` from `sundial-scheduler/testing`. */
  clock?: Clock;
  /** Names this process in leases, logs and the admin view. @defaultValue `${hostname}:${pid}:${random}` */
  nodeId?: string;
  /** Most jobs this node runs at once. @defaultValue 10 */
  concurrency?: number;
  /**
   * Jobs claimed ahead of free slots and held (their leases renewed) until a slot frees: one claim
   * round trip then serves many short jobs. Leave it at 0 for long jobs — a job held behind a busy
   * slot waits while another node may be idle — and raise it (to about `concurrency`) for
   * high-throughput short jobs. Held jobs are given back at shutdown.
   * @defaultValue 0
   */
  prefetch?: number;
  /**
   * How long a job's lease lasts without renewal: a crashed node's jobs are taken over by another
   * node this long after its last heartbeat (plus at most one poll interval). @defaultValue '3s'
   */
  lease?: Duration;
  /** How often leases are renewed. @defaultValue a third of `lease` */
  heartbeat?: Duration;
  /** How often the store is asked for work when nothing wakes the node earlier. @defaultValue '500ms' */
  pollInterval?: Duration;
  /**
   * How far ahead a node reserves work: schedules' fires and delayed jobs due within this window
   * are claimed ahead and started from a local timer at their instant, with no store call then.
   * Capped at `lease`. 0 turns it off (fires become jobs when due, and are claimed then).
   * @defaultValue '2s'
   */
  lookAhead?: Duration | 0;
  /** How long `stop()` waits for running handlers before aborting them and releasing their jobs. @defaultValue '10s' */
  shutdownTimeout?: Duration;
  /**
   * How long finished jobs are kept; null keeps them forever.
   * @defaultValue `{ succeeded: '1d', failed: '7d' }` (failed covers dead and cancelled)
   */
  history?: { succeeded?: Duration | null; failed?: Duration | null };
  /** @defaultValue console at 'warn' */
  logger?: Logger | LogLevel;
  /** Source of randomness for retry jitter. @defaultValue Math.random */
  random?: () => number;
  /**
   * What this node does: fire due schedules, run jobs, or both. A node with both off is a client
   * (it can still schedule, enqueue and query). @defaultValue both true
   */
  roles?: { schedules?: boolean; jobs?: boolean };
  /**
   * The queues whose jobs this node runs (routing; see the task option `queue`). A node runs a
   * job only if it registers its task and serves its queue; it can still enqueue and schedule
   * any registered task. Jobs that no live node runs stay queued (the admin view shows them).
   * @defaultValue every queue
   * @example queues: ['worker-controller']
   */
  queues?: readonly string[];
  /**
   * Telemetry hooks: `openTelemetry()` from `sundial-scheduler/telemetry` (metrics, and spans linked
   * across nodes through the trace context stored with each job), or your own.
   * @defaultValue none
   */
  instrumentation?: Instrumentation;
  /**
   * The largest payload this node accepts, in bytes of UTF-8 JSON: the `data` of an enqueue, a
   * flow step, a schedule or a backfill larger than this fails with `PayloadTooLargeError` (and
   * nothing is stored); a handler's result larger than this is stored as null, with a warning.
   * Keep payloads small — ids and settings — and pass a reference to large data.
   * @defaultValue 1_048_576 (1 MiB)
   * @example maxPayloadBytes: 4 * 1024 * 1024
   */
  maxPayloadBytes?: number;
}

export interface ResolvedSchedulerOptions {
  store: Store;
  tasks: readonly TaskEntry[];
  services: unknown;
  clock: Clock;
  nodeId: string;
  concurrency: number;
  prefetch: number;
  leaseMs: number;
  heartbeatMs: number;
  pollIntervalMs: number;
  /** 0: no look-ahead. */
  lookAheadMs: number;
  shutdownTimeoutMs: number;
  keepSucceededMs: number | null;
  keepFailedMs: number | null;
  logger: Logger;
  random: () => number;
  runsSchedules: boolean;
  runsJobs: boolean;
  /** Null: every queue. */
  queues: ReadonlySet<string> | null;
  instrumentation: Instrumentation | null;
  maxPayloadBytes: number;
}

export function resolveSchedulerOptions(options: SchedulerOptions<unknown>): ResolvedSchedulerOptions {
  if (!options || typeof options.store !== 'object' || options.store === null) {
    throw new InvalidArgumentError('Expected `store` in the scheduler options (e.g. new SqliteStore("sundial.db"))');
  }
  const concurrency = options.concurrency ?? 10;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidArgumentError(`Expected \`concurrency\` to be a positive integer, got ${String(concurrency)}`);
  }
  const prefetch = options.prefetch ?? 0;
  if (!Number.isInteger(prefetch) || prefetch < 0) {
    throw new InvalidArgumentError(`Expected \`prefetch\` to be a non-negative integer, got ${String(prefetch)}`);
  }
  const leaseMs = parseDuration(options.lease ?? '3s', 'lease');
  const heartbeatMs = parseDuration(options.heartbeat ?? Math.max(1, Math.floor(leaseMs / 3)), 'heartbeat');
  if (heartbeatMs >= leaseMs) {
    throw new InvalidArgumentError(`Expected \`heartbeat\` (${heartbeatMs} ms) to be shorter than \`lease\` (${leaseMs} ms)`);
  }
  const history = options.history ?? {};
  const logger = options.logger ?? 'warn';
  return {
    store: options.store,
    tasks: options.tasks ?? [],
    services: options.services,
    clock: options.clock ?? systemClock,
    nodeId: options.nodeId ?? defaultNodeId(),
    concurrency,
    prefetch,
    leaseMs,
    heartbeatMs,
    pollIntervalMs: parseDuration(options.pollInterval ?? '500ms', 'pollInterval'),
    lookAheadMs: Math.min(leaseMs, parseDuration(options.lookAhead ?? '2s', 'lookAhead', { allowZero: true })),
    shutdownTimeoutMs: parseDuration(options.shutdownTimeout ?? '10s', 'shutdownTimeout', { allowZero: true }),
    keepSucceededMs: keep(history.succeeded, '1d', 'history.succeeded'),
    keepFailedMs: keep(history.failed, '7d', 'history.failed'),
    logger: typeof logger === 'string' ? consoleLogger(logger) : logger,
    random: options.random ?? Math.random,
    runsSchedules: options.roles?.schedules ?? true,
    runsJobs: options.roles?.jobs ?? true,
    queues: resolveQueues(options.queues),
    instrumentation: options.instrumentation ?? null,
    maxPayloadBytes: options.maxPayloadBytes === undefined ? defaultMaxPayloadBytes : checkMaxPayloadBytes(options.maxPayloadBytes),
  };
}

function keep(value: Duration | null | undefined, fallback: Duration, what: string): number | null {
  if (value === null) return null;
  return parseDuration(value ?? fallback, what);
}

function resolveQueues(queues: readonly string[] | undefined): ReadonlySet<string> | null {
  if (queues === undefined) return null;
  if (!Array.isArray(queues)) throw new InvalidArgumentError(`Expected \`queues\` to be an array of queue names, got ${JSON.stringify(queues)}`);
  return new Set(queues.map((queue: unknown) => queueName(queue)));
}
