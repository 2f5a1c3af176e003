import type { JsonValue } from '../domain/json.ts';
import type { JobRecord } from '../domain/job.ts';
import { assertJsonPayload, validatePayload } from '../domain/payload.ts';
import { JobTimeoutError, LeaseLostError, StopScheduleSignal, UnknownTaskError } from '../errors.ts';
import type { JobCompletion } from '../store/store.ts';
import type { AnyTaskDefinition, JobInfo, TaskContext, TaskLogger } from '../tasks/task.ts';
import type { TaskRegistry } from '../tasks/task-registry.ts';
import type { Clock } from '../time/clock.ts';
import { completionForFailure } from './attempt-completion.ts';
import type { CompletionBatcher } from './completion-batcher.ts';
import type { SchedulerEventEmitter } from './events.ts';
import { toJobError } from './job-error.ts';
import { corruptRecordError } from './quarantine.ts';
import type { Logger } from './logger.ts';

export interface JobExecutorContext {
  completions: CompletionBatcher;
  clock: Clock;
  nodeId: string;
  registry: TaskRegistry;
  services: unknown;
  events: SchedulerEventEmitter;
  logger: Logger;
  random: () => number;
}

/** A job this node is running: its claim, and the controller that aborts its handler. */
export class RunningJob {
  readonly controller = new AbortController();
  readonly job: JobRecord;
  /** Settles when the attempt has been written to the store (or given up on). */
  done: Promise<void> = Promise.resolve();
  /**
   * The handler has ended and its outcome is on its way to the store. A renewal that finds the
   * lease gone now has most likely raced that very write: the write's answer, not the renewal,
   * says whether the lease was lost.
   */
  outcomeWriting = false;

  constructor(job: JobRecord) {
    this.job = job;
  }

  abort(reason: Error): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }
}

/**
 * Runs one claimed job to the end of its attempt: resolves the task, validates the payload,
 * calls the handler with a context, enforces the timeout, and writes the outcome under the
 * job's fencing token. Never throws: every failure becomes a stored outcome or an `error` event.
 * `onHandlerSettled` is called once the outcome is known, before it is written: the caller's
 * slot is free from then on (the write joins a batch with other jobs' outcomes).
 */
export async function executeJob(ctx: JobExecutorContext, running: RunningJob, onHandlerSettled: () => void = () => undefined): Promise<void> {
  const { job } = running;
  const startedAtMs = ctx.clock.now();
  if (job.unreadable) {
    // A record the store could not decode never runs: it is dead-lettered, naming its fields.
    const error = corruptRecordError('job', job.id, job.unreadable);
    ctx.events.emit('record.quarantined', { kind: 'job', id: job.id, unreadable: job.unreadable, error });
    running.outcomeWriting = true;
    onHandlerSettled();
    await writeOutcome(ctx, running, { status: 'dead', error: toJobError(error) }, false, startedAtMs);
    return;
  }
  ctx.events.emit('job.started', { job });
  const definition = ctx.registry.get(job.task);
  let completion: JobCompletion;
  let endSchedule = false;
  if (!definition) {
    const error = new UnknownTaskError(
      `No task named "${job.task}" is registered on node ${ctx.nodeId} (known: ${ctx.registry.names().join(', ') || 'none'})`,
    );
    completion = { status: 'dead', error: toJobError(error) };
  } else {
    try {
      const result = await runHandler(ctx, definition, running);
      if (result instanceof StopScheduleSignal) {
        completion = { status: 'succeeded', result: null };
        endSchedule = true;
      } else {
        completion = { status: 'succeeded', result: storableResult(ctx.logger, job, result) };
      }
    } catch (thrown) {
      const signal = running.controller.signal;
      // An abort wins over whatever the handler threw while being aborted.
      const error = signal.aborted ? signal.reason : thrown;
      if (error instanceof LeaseLostError) return; // the new owner writes the outcome, not us
      ({ completion, endSchedule } = completionForFailure({
        error,
        job,
        policy: definition.retry,
        nowMs: ctx.clock.now(),
        random: ctx.random,
      }));
    }
  }
  running.outcomeWriting = true;
  onHandlerSettled();
  await writeOutcome(ctx, running, completion, endSchedule && job.scheduleId !== null, startedAtMs);
}

async function runHandler(ctx: JobExecutorContext, definition: AnyTaskDefinition, running: RunningJob): Promise<unknown> {
  const { job, controller } = running;
  const data = definition.schema ? await validatePayload(definition.schema, job.data, `data of job ${job.id}`) : job.data;
  const timer =
    definition.timeoutMs === null
      ? null
      : ctx.clock.setTimer(
          () => running.abort(new JobTimeoutError(`Job ${job.id} (${job.task}) timed out after ${definition.timeoutMs} ms`)),
          definition.timeoutMs,
        );
  try {
    const context: TaskContext<unknown, unknown> = {
      data,
      job: jobInfo(job, ctx.nodeId),
      attempt: job.attempt,
      fireAt: job.fireAtMs === null ? null : new Date(job.fireAtMs),
      signal: controller.signal,
      services: ctx.services,
      log: taskLogger(ctx.logger, job),
      stopSchedule: (reason) => new StopScheduleSignal(reason),
    };
    const handler = Promise.resolve().then(() => definition.run(context));
    // A handler that ignores its signal must not hold the attempt open: the abort ends it now.
    handler.catch(() => undefined);
    return await Promise.race([handler, rejectOnAbort(controller.signal)]);
  } finally {
    timer?.cancel();
  }
}

async function writeOutcome(
  ctx: JobExecutorContext,
  running: RunningJob,
  completion: JobCompletion,
  endSchedule: boolean,
  startedAtMs: number,
): Promise<void> {
  const { job } = running;
  let stored: JobRecord | null;
  try {
    stored = await ctx.completions.complete({
      jobId: job.id,
      fencingToken: job.fencingToken,
      nowMs: ctx.clock.now(),
      completion,
      endSchedule,
    });
  } catch (error) {
    // The lease runs out and another node retries the job: at-least-once, never lost.
    ctx.events.emit('error', { error: error as Error, during: `completing job ${job.id}` });
    return;
  }
  if (stored === null) {
    ctx.events.emit('lease.lost', { jobId: job.id, fencingToken: job.fencingToken });
    return;
  }
  switch (completion.status) {
    case 'succeeded':
      ctx.events.emit('job.succeeded', { job: stored, result: completion.result, durationMs: ctx.clock.now() - startedAtMs });
      if (endSchedule && job.scheduleId) {
        ctx.events.emit('schedule.ended', { scheduleId: job.scheduleId, reason: 'stopped-by-handler' });
      }
      break;
    case 'retry':
      ctx.events.emit('job.failed', { job: stored, error: completion.error, retryAtMs: completion.retryAtMs });
      break;
    case 'dead':
      ctx.events.emit('job.dead', { job: stored, error: completion.error });
      break;
    case 'cancelled':
      ctx.events.emit('job.cancelled', { job: stored });
      break;
    case 'released':
      ctx.events.emit('job.released', { job: stored });
      break;
  }
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

function storableResult(logger: Logger, job: JobRecord, result: unknown): JsonValue | null {
  if (result === undefined) return null;
  try {
    assertJsonPayload(result, `result of job ${job.id}`);
    return result;
  } catch (error) {
    logger.warn(`job ${job.id} (${job.task}) returned a value that is not JSON; stored as null`, { error: toJobError(error).message });
    return null;
  }
}

function jobInfo(job: JobRecord, nodeId: string): JobInfo {
  return {
    id: job.id,
    task: job.task,
    origin: job.origin,
    scheduleId: job.scheduleId,
    fireAt: job.fireAtMs === null ? null : new Date(job.fireAtMs),
    fireAtMs: job.fireAtMs,
    attempt: job.attempt,
    maxAttempts: job.maxAttempts,
    fencingToken: job.fencingToken,
    priority: job.priority,
    runAt: new Date(job.runAtMs),
    nodeId,
  };
}

function taskLogger(logger: Logger, job: JobRecord): TaskLogger {
  const base = { jobId: job.id, task: job.task, attempt: job.attempt };
  return {
    debug: (message, fields) => logger.debug(message, { ...base, ...fields }),
    info: (message, fields) => logger.info(message, { ...base, ...fields }),
    warn: (message, fields) => logger.warn(message, { ...base, ...fields }),
    error: (message, fields) => logger.error(message, { ...base, ...fields }),
  };
}
