import { assertTriggerSpec } from '../domain/assert-trigger.ts';
import { assertIdentifier, assertOptionalIdentifier } from '../domain/identifier.ts';
import { newId } from '../domain/ids.ts';
import type { JsonValue } from '../domain/json.ts';
import { parentFailurePolicies, type NewJob, type ParentFailurePolicy } from '../domain/job.ts';
import { checkAfter } from '../flows/flow.ts';
import { assertJsonPayload, defaultMaxPayloadBytes, validatePayload } from '../domain/payload.ts';
import { defaultRetryPolicy } from '../domain/retry.ts';
import { defaultCatchUpLimit, overlapPolicies, type CoalescePolicy, type OverlapPolicy, type ScheduleWrite } from '../domain/schedule.ts';
import type { TriggerSpec } from '../domain/trigger.ts';
import { InvalidArgumentError, UnknownTaskError } from '../errors.ts';
import type { JobQuery, ScheduleQuery } from '../store/store.ts';
import type { AnyTaskDefinition, TaskDefinition } from '../tasks/task.ts';
import type { TaskRegistry } from '../tasks/task-registry.ts';
import { parseDuration, type Duration } from '../time/duration.ts';

// What the Scheduler's API takes, and how it is checked at the boundary: every problem is an
// `InvalidArgumentError` (or `UnknownTaskError`) naming the field, before any store sees it.

/** A task by name, or its definition (which also types `data`). */
// oxlint-disable-next-line no-explicit-any -- any payload type fits a task reference
type TaskRef<Input> = string | TaskDefinition<Input, any, any>;

/**
 * What `scheduler.schedule(input)` takes: a stable id, the task, when it fires (`trigger`), its payload and
 * its policies (misfire grace, coalescing, overlap).
 *
 * @example
 * await scheduler.schedule({ id: 'nightly-report', task: 'report', trigger: cron('0 2 * * *', { tz: 'Europe/Berlin' }) });
 */
export interface ScheduleInput<Input = JsonValue> {
  /** Stable id: scheduling the same id again replaces the schedule, never duplicates it. */
  id: string;
  task: TaskRef<Input>;
  /** The payload each job gets. Plain JSON only (ids and settings, not objects). @defaultValue null */
  data?: Input;
  /** From `at()`, `every()` or `cron()`. */
  trigger: TriggerSpec;
  /** Priority of its jobs (higher runs first). @defaultValue the task's priority, else 0 */
  priority?: number;
  /** Most active jobs of this schedule at once, across all nodes; null for no limit. @defaultValue 1 */
  maxRunning?: number | null;
  /** A fire noticed later than this after its time is recorded as missed, not run. @defaultValue null (no limit) */
  misfireGrace?: Duration | null;
  /** Which overdue fires run after downtime. @defaultValue 'latest' */
  coalesce?: CoalescePolicy;
  /**
   * Most due fires considered one by one after a downtime (for misfire grace, coalescing and
   * `maxRunning`); older ones are counted in `missedCount` without being listed. A positive integer.
   * @defaultValue 1000
   * @example
   * // An every-second schedule back from a day offline plans at most its last hour of fires.
   * await scheduler.schedule({ id: 'tick', task: 'tick', trigger: every('1s'), coalesce: 'all', catchUpLimit: 3600 });
   */
  catchUpLimit?: number;
  /**
   * What a fire does when it comes due while the schedule has `maxRunning` active jobs: `skip` it
   * (counted in `skippedCount`); `bufferOne`: keep one buffered job that starts once an active one
   * has ended (later fires are skipped while it waits); `bufferAll`: buffer every such fire, run
   * one after another in fire order; `cancelOther`: cancel the active jobs (a running handler's
   * signal aborts) and start this fire once they have ended. A schedule with a policy other than
   * `skip` is not reserved ahead by a node's look-ahead (its fires are decided when due).
   * @defaultValue 'skip'
   * @example
   * // A report that must not run twice at once, but whose missed turn runs right after.
   * await scheduler.schedule({ id: 'report', task: 'report', trigger: every('5m'), maxRunning: 1, overlap: 'bufferOne' });
   */
  overlap?: OverlapPolicy;
  /** Create it paused. @defaultValue false for a new schedule; an existing one keeps its state */
  paused?: boolean;
}

/**
 * What `scheduler.enqueue(input)` takes: one job to run now, at `runAt` or after `delay`, optionally
 * deduplicated by `dedupeKey` or waiting for parent jobs (`after`).
 *
 * @example
 * await scheduler.enqueue({ task: sendEmail, data: { to: 'a@example.com' }, delay: '10s', dedupeKey: 'welcome:42' });
 */
export interface EnqueueInput<Input = JsonValue> {
  task: TaskRef<Input>;
  data?: Input;
  /** Not before this instant. @defaultValue now */
  runAt?: Date | number;
  /** Not before this long from now (ignored when `runAt` is given). */
  delay?: Duration;
  /** Higher runs first. @defaultValue the task's priority, else 0 */
  priority?: number;
  /** While a job with this key is not finished, enqueueing the same key returns that job. */
  dedupeKey?: string;
  /**
   * Jobs that must finish first (ids of stored jobs): this one waits (status `waiting`) until all
   * of them have, then runs and reads their results (`context.parents`). See `flow()` to create
   * parents and children in one step.
   */
  after?: readonly string[];
  /** What a parent ending dead or cancelled does to this job. @defaultValue 'fail' */
  onParentFailure?: ParentFailurePolicy;
}

/**
 * One job of a `flow()`: an enqueue with a `key` that other steps name in their `after` (which
 * may also name ids of stored jobs).
 */
export interface FlowStep<Input = JsonValue> extends EnqueueInput<Input> {
  key: string;
}

/** A schedule's definition as checked, before the store decides its next fire. */
export type CheckedSchedule = Omit<ScheduleWrite, 'nextFireAtMs' | 'keepNextFire' | 'paused' | 'nowMs'> & { paused: boolean | undefined };

/** Checks the inputs of one node's API against its registry. */
export class SchedulerInputs {
  readonly #registry: TaskRegistry;
  /** The scheduler's `maxPayloadBytes`. */
  readonly maxPayloadBytes: number;

  constructor(registry: TaskRegistry, maxPayloadBytes = defaultMaxPayloadBytes) {
    this.#registry = registry;
    this.maxPayloadBytes = maxPayloadBytes;
  }

  /** A schedule input, checked: id, trigger (canonical), task, payload, policies. */
  async schedule(input: ScheduleInput<unknown>): Promise<CheckedSchedule> {
    const id = assertIdentifier(input?.id, 'schedule `id`');
    const trigger = assertTriggerSpec(input.trigger, `trigger of schedule "${id}"`);
    const definition = this.taskFor(input.task);
    const taskName = typeof input.task === 'string' ? input.task : input.task.name;
    const data = await this.payload(definition, input.data, `data of schedule "${id}"`);
    const maxRunning = input.maxRunning === undefined ? 1 : input.maxRunning;
    if (maxRunning !== null && (!Number.isInteger(maxRunning) || maxRunning < 1)) {
      throw new InvalidArgumentError(`Expected \`maxRunning\` to be a positive integer or null, got ${String(maxRunning)}`);
    }
    const coalesce = input.coalesce ?? 'latest';
    if (!['latest', 'earliest', 'all'].includes(coalesce)) {
      throw new InvalidArgumentError(`Expected \`coalesce\` to be 'latest', 'earliest' or 'all', got ${JSON.stringify(coalesce)}`);
    }
    const catchUpLimit = input.catchUpLimit === undefined ? defaultCatchUpLimit : input.catchUpLimit;
    if (typeof catchUpLimit !== 'number' || !Number.isSafeInteger(catchUpLimit) || catchUpLimit < 1) {
      throw new InvalidArgumentError(`Expected \`catchUpLimit\` of schedule "${id}" to be a positive integer, got ${typeof catchUpLimit === 'string' ? JSON.stringify(catchUpLimit) : String(catchUpLimit)}`);
    }
    const overlap = input.overlap === undefined ? 'skip' : input.overlap;
    if (!(overlapPolicies as readonly unknown[]).includes(overlap)) {
      throw new InvalidArgumentError(
        `Expected \`overlap\` of schedule "${id}" to be 'skip', 'bufferOne', 'bufferAll' or 'cancelOther', got ${typeof overlap === 'string' ? JSON.stringify(overlap) : String(overlap)}`,
      );
    }
    return {
      id,
      task: taskName,
      data,
      trigger,
      priority: checkPriority(input.priority ?? definition?.priority ?? 0),
      maxRunning,
      misfireGraceMs: input.misfireGrace == null ? null : parseDuration(input.misfireGrace, 'misfireGrace', { allowZero: true }),
      coalesce,
      catchUpLimit,
      overlap,
      paused: input.paused,
    };
  }

  /** An enqueue input (the `index`-th of a call), checked, as the job to create at `nowMs`. */
  async job(input: EnqueueInput<unknown>, index: number, nowMs: number): Promise<NewJob> {
    const definition = this.taskFor(input?.task);
    const taskName = typeof input.task === 'string' ? input.task : input.task.name;
    const data = await this.payload(definition, input.data, `data of job ${index} (${taskName})`);
    assertOptionalIdentifier(input.dedupeKey, '`dedupeKey`', 1000);
    const parents = checkAfter(input.after, `\`after\` of job ${index} (${taskName})`);
    const policy = input.onParentFailure;
    if (policy !== undefined && !parentFailurePolicies.includes(policy)) {
      throw new InvalidArgumentError(`Expected \`onParentFailure\` to be 'fail', 'ignore' or 'cancel', got ${JSON.stringify(policy)}`);
    }
    const job = this.newJob(taskName, data, nowMs, {
      origin: 'enqueue',
      scheduleId: null,
      priority: checkPriority(input.priority ?? definition?.priority ?? 0),
      runAtMs: runAtOf(input, nowMs),
      dedupeKey: input.dedupeKey ?? null,
    });
    return parents.length === 0 ? job : { ...job, parents, onParentFailure: policy ?? 'fail' };
  }

  /** The task's definition; an unknown name is an error unless this node knows no task at all (a client). */
  taskFor(ref: unknown): AnyTaskDefinition | undefined {
    if (typeof ref === 'object' && ref !== null && 'name' in ref) return ref as AnyTaskDefinition;
    if (typeof ref !== 'string' || ref === '') {
      throw new InvalidArgumentError(`Expected \`task\` to be a task name or a task() definition, got ${JSON.stringify(ref)}`);
    }
    assertIdentifier(ref, '`task`');
    const definition = this.#registry.get(ref);
    if (!definition && this.#registry.size > 0) {
      throw new UnknownTaskError(`No task named "${ref}" is registered (known: ${this.#registry.names().join(', ')})`);
    }
    return definition;
  }

  /** A payload: plain JSON, at most `maxPayloadBytes`, and valid for the task's schema when it has one. */
  async payload(definition: AnyTaskDefinition | undefined, data: unknown, what: string): Promise<JsonValue> {
    const payload = data === undefined ? null : data;
    assertJsonPayload(payload, what, this.maxPayloadBytes);
    // The input is stored, not the schema's output: the schema runs again before every attempt.
    if (definition?.schema) await validatePayload(definition.schema, payload, what);
    return payload;
  }

  /** A job to create at `nowMs`, with the task's attempts (the default for a task this node does not know). */
  newJob(
    task: string,
    data: JsonValue,
    nowMs: number,
    fields: Pick<NewJob, 'origin' | 'scheduleId' | 'priority' | 'runAtMs'> & { dedupeKey?: string | null },
  ): NewJob {
    return {
      id: newId(nowMs),
      task,
      data,
      fireAtMs: null,
      maxAttempts: this.#registry.get(task)?.retry.attempts ?? defaultRetryPolicy.attempts,
      createdAtMs: nowMs,
      dedupeKey: null,
      ...fields,
    };
  }
}

export function checkPriority(priority: number): number {
  if (!Number.isInteger(priority)) throw new InvalidArgumentError(`Expected \`priority\` to be an integer, got ${String(priority)}`);
  return priority;
}

export function runAtOf(input: EnqueueInput<unknown>, nowMs: number): number {
  if (input.runAt !== undefined) {
    const ms = input.runAt instanceof Date ? input.runAt.getTime() : input.runAt;
    if (typeof ms !== 'number' || !Number.isFinite(ms)) {
      throw new InvalidArgumentError(`Expected \`runAt\` to be a valid Date or epoch milliseconds, got ${String(input.runAt)}`);
    }
    return ms;
  }
  return input.delay === undefined ? nowMs : nowMs + parseDuration(input.delay, 'delay', { allowZero: true });
}

/** The text filters of a schedule listing, checked like the ids they are compared with. */
export function assertScheduleQuery(query: ScheduleQuery | undefined): void {
  if (!query) return;
  assertOptionalIdentifier(query.task, 'the `task` filter');
  assertOptionalIdentifier(query.idPrefix, 'the `idPrefix` filter');
  assertOptionalIdentifier(query.afterId, 'the `afterId` cursor');
}

/** The text filters of a job listing, checked like the ids they are compared with. */
export function assertJobQuery(query: JobQuery | undefined): void {
  if (!query) return;
  assertOptionalIdentifier(query.task, 'the `task` filter');
  assertOptionalIdentifier(query.scheduleId, 'the `scheduleId` filter');
  assertOptionalIdentifier(query.parentId, 'the `parentId` filter');
  assertOptionalIdentifier(query.afterId, 'the `afterId` cursor');
}
