import type { JsonValue } from '../domain/json.ts';
import type { JobOrigin } from '../domain/job.ts';
import { resolveRetryPolicy, type RetryOptions, type RetryPolicy } from '../domain/retry.ts';
import { InvalidArgumentError, StopScheduleSignal } from '../errors.ts';
import { parseDuration, type Duration } from '../time/duration.ts';
import { resolveBreakerPolicy, type BreakerOptions, type BreakerPolicy } from '../breaker/breaker-options.ts';
import { resolveRateLimitPolicy, type RateLimitOptions, type RateLimitPolicy } from '../rate-limit/rate-limit-options.ts';
import type { StandardSchemaV1, InferInput, InferOutput } from './standard-schema.ts';
import type { ParentJob } from '../flows/parent-job.ts';

/** What a handler knows about the job it runs. */
export interface JobInfo {
  readonly id: string;
  readonly task: string;
  readonly origin: JobOrigin;
  /** The schedule that fired it, or null for an enqueued job. */
  readonly scheduleId: string | null;
  /** The nominal fire time of a schedule's fire (null for enqueued and manual jobs). */
  readonly fireAt: Date | null;
  readonly fireAtMs: number | null;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /**
   * Increases every time the job is claimed. Pass it along with writes to systems that can
   * check it ("only if my token is newer than the last one you saw") so that a node that lost
   * its lease can never overwrite the work of the node that took over.
   */
  readonly fencingToken: number;
  readonly priority: number;
  readonly runAt: Date;
  /** The node running this attempt. */
  readonly nodeId: string;
}

/**
 * The logger a handler writes to (`context.log`): the scheduler's `Logger`, with the job's id, task and
 * attempt added to every message's fields.
 */
export interface TaskLogger {
  /** Detail for debugging, off in production loggers. */
  debug(message: string, fields?: Record<string, unknown>): void;
  /** A normal event worth recording. */
  info(message: string, fields?: Record<string, unknown>): void;
  /** Something unexpected that the handler recovered from. */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** A failure that needs attention. */
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Everything a handler receives on each run. */
export interface TaskContext<Data = JsonValue, Services = unknown> {
  /** The job's payload (after the task's schema, when it has one). */
  readonly data: Data;
  readonly job: JobInfo;
  /** Same as `job.attempt`. */
  readonly attempt: number;
  /** Same as `job.fireAt`. */
  readonly fireAt: Date | null;
  /** Aborts on timeout, cancellation, lost lease or shutdown; `signal.reason` says which. */
  readonly signal: AbortSignal;
  /** The scheduler's `services`, as given: resolve what you need from it on every run. */
  readonly services: Services;
  readonly log: TaskLogger;
  /**
   * The jobs this one waited for (`enqueue({ after })`, `flow()`), read before the handler
   * started, in the order given: their status and result. Empty for a job without parents.
   */
  readonly parents: readonly ParentJob[];
  /**
   * Ends the schedule that fired this job (the resource it watches is gone). Return it — or
   * throw it — from the handler: the job counts as succeeded and the schedule is removed.
   */
  stopSchedule(reason?: string): StopScheduleSignal;
}

/**
 * The options of `task(name, options)`: the handler (`run`) and the policies of its jobs.
 *
 * @example
 * const sendEmail = task('send-email', {
 *   retry: { attempts: 5 },
 *   timeout: '30s',
 *   async run({ data, signal }) { await mailer.send(data, { signal }); },
 * });
 */
export interface TaskOptions<Data, Services> {
  /** Validates (and may transform) the payload at `schedule`/`enqueue` and again before each run. */
  schema?: StandardSchemaV1<unknown, Data>;
  /**
   * Attempts and backoff.
   * @defaultValue `{ attempts: 3, backoff: { type: 'exponential', delay: '1s', max: '5m', jitter: 0.2 } }`
   */
  retry?: RetryOptions;
  /**
   * Aborts the attempt (through `signal`) and fails it with `JobTimeoutError` after this long.
   * @defaultValue no timeout
   */
  timeout?: Duration;
  /** Priority of enqueued jobs of this task (higher runs first). @defaultValue 0 */
  priority?: number;
  /**
   * The queue its jobs go to (routing): only nodes that serve this queue (scheduler option
   * `queues`) run them, so an API node can enqueue a command that only controller nodes run.
   * @defaultValue 'default'
   */
  queue?: string;
  /**
   * A circuit breaker shared by all nodes through the store: when the task fails too often, no
   * node starts its jobs (they wait) until it has cooled down. @defaultValue none
   */
  breaker?: BreakerOptions;
  /** At most `limit` starts per `per` across all nodes (per key with `key`). @defaultValue none */
  rateLimit?: RateLimitOptions;
  /**
   * At most this many of its jobs run at once across the whole cluster (every node counts), not
   * only per node. @defaultValue no cap
   */
  maxConcurrent?: number;
  /**
   * The handler: runs one attempt of a job. Its resolved value (JSON, at most `maxPayloadBytes`) is the
   * job's result; a throw fails the attempt (retried per `retry`, unless `NonRetryableError`); returning
   * `context.stopSchedule()` ends the schedule. It should stop when `context.signal` aborts.
   */
  run(context: TaskContext<Data, Services>): unknown;
}

/** A registered unit of code. Build one with `task()` or the `@Task` class decorator. */
export interface TaskDefinition<Input = JsonValue, Data = Input, Services = unknown> {
  readonly kind: 'sundial.task';
  readonly name: string;
  readonly schema: StandardSchemaV1<unknown, Data> | null;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number | null;
  readonly priority: number;
  /** The queue its jobs go to (see `TaskOptions.queue`). */
  readonly queue: string;
  readonly breaker: BreakerPolicy | null;
  readonly rateLimit: RateLimitPolicy | null;
  readonly maxConcurrent: number | null;
  /** The handler given in `TaskOptions.run`. */
  run(context: TaskContext<Data, Services>): unknown;
  /** Type-only: the payload a caller passes to `schedule`/`enqueue`. */
  readonly __input?: Input;
}

/** Any task, whatever its payload: what the registry holds. */
// oxlint-disable-next-line no-explicit-any -- handlers of every payload type live in one registry
export type AnyTaskDefinition = TaskDefinition<any, any, any>;

const taskNamePattern = /^[A-Za-z0-9][\w.:/-]{0,199}$/;

/**
 * Defines a task.
 *
 * @example
 * const collectMetrics = task('collect-metrics', {
 *   retry: { attempts: 5 },
 *   async run({ data, services, signal }) { await services.metrics.collect(data.workerId, { signal }); },
 * });
 */
export function task<S extends StandardSchemaV1, Services = unknown>(
  name: string,
  options: TaskOptions<InferOutput<S>, Services> & { schema: S },
): TaskDefinition<InferInput<S>, InferOutput<S>, Services>;
export function task<Data = JsonValue, Services = unknown>(
  name: string,
  options: TaskOptions<Data, Services>,
): TaskDefinition<Data, Data, Services>;
export function task(name: string, options: TaskOptions<unknown, unknown>): AnyTaskDefinition {
  return defineTask(name, options);
}

export function defineTask(name: string, options: TaskOptions<unknown, unknown>): AnyTaskDefinition {
  if (typeof name !== 'string' || !taskNamePattern.test(name)) {
    throw new InvalidArgumentError(
      `Expected a task name of letters, digits and . _ : / - (at most 200), got ${JSON.stringify(name)}`,
    );
  }
  if (typeof options?.run !== 'function') {
    throw new InvalidArgumentError(`Expected task "${name}" to have a \`run\` function`);
  }
  const priority = options.priority ?? 0;
  if (!Number.isInteger(priority)) {
    throw new InvalidArgumentError(`Expected \`priority\` of task "${name}" to be an integer, got ${String(priority)}`);
  }
  return {
    kind: 'sundial.task',
    name,
    schema: options.schema ?? null,
    retry: resolveRetryPolicy(options.retry, `retry of task "${name}"`),
    timeoutMs: options.timeout === undefined ? null : parseDuration(options.timeout, `timeout of task "${name}"`),
    priority,
    queue: queueName(options.queue, name),
    breaker: resolveBreakerPolicy(options.breaker, name),
    rateLimit: resolveRateLimitPolicy(options.rateLimit, name),
    maxConcurrent: maxConcurrentOf(options.maxConcurrent, name),
    run: options.run,
  };
}

function maxConcurrentOf(value: unknown, taskName: string): number | null {
  if (value === undefined) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`Expected \`maxConcurrent\` of task "${taskName}" to be a positive integer, got ${String(value)}`);
  }
  return value;
}

const queuePattern = /^[A-Za-z0-9][\w.:/-]{0,99}$/;

/** A queue name as given at the API edge, checked (letters, digits and . _ : / -, at most 100). */
export function queueName(value: unknown, taskName?: string): string {
  if (value === undefined) return 'default';
  if (typeof value !== 'string' || !queuePattern.test(value)) {
    const where = taskName === undefined ? '' : ` of task "${taskName}"`;
    throw new InvalidArgumentError(`Expected \`queue\`${where} to be a name of letters, digits and . _ : / - (at most 100), got ${JSON.stringify(value)}`);
  }
  return value;
}

export function isTaskDefinition(value: unknown): value is AnyTaskDefinition {
  return value !== null && typeof value === 'object' && (value as { kind?: unknown }).kind === 'sundial.task';
}
