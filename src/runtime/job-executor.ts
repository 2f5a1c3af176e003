import type { JobSnapshot } from '../domain/job.ts';
import type { JsonValue } from '../domain/json.ts';
import { assertJsonPayload, defaultMaxPayloadBytes, validatePayload } from '../domain/payload.ts';
import { JobTimeoutError, LeaseLostError, PayloadTooLargeError, StopScheduleSignal, UnknownTaskError } from '../errors.ts';
import type { JobCompletion } from '../store/store.ts';
import type { AnyTaskDefinition } from '../tasks/task.ts';
import type { TaskRegistry } from '../tasks/task-registry.ts';
import type { Clock } from '../time/clock.ts';
import { completionForFailure } from './attempt-completion.ts';
import type { CompletionBatcher } from './completion-batcher.ts';
import type { SchedulerEventEmitter } from './events.ts';
import type { HeldJob } from './held-job.ts';
import { HandlerContext } from './handler-context.ts';
import { toJobError } from './job-error.ts';
import type { Logger } from './logger.ts';
import type { AttemptInfo, Instrumentation } from './instrumentation.ts';
import { corruptRecordError } from './quarantine.ts';
import type { ParentJob } from '../flows/parent-job.ts';

export interface JobExecutorContext {
  completions: CompletionBatcher;
  clock: Clock;
  nodeId: string;
  registry: TaskRegistry;
  services: unknown;
  events: SchedulerEventEmitter;
  logger: Logger;
  random: () => number;
  /** A handler ended its schedule, and the store deleted it (with its reservations not due yet). */
  onScheduleEnded?(scheduleId: string): void;
  /** Telemetry around each attempt (a span), when the scheduler has some. */
  instrumentation?: Instrumentation | null;
  /** An attempt's handler ended, succeeded or failed (a task's circuit breaker counts it). */
  onAttemptEnded?(task: string, succeeded: boolean, nowMs: number): void;
  /** Reads a job's parents for its handler (`context.parents`). */
  loadParents?(ids: readonly string[]): Promise<ParentJob[]>;
  /** A handler's result larger than this (bytes of UTF-8 JSON) is stored as null. @defaultValue 1 MiB */
  maxPayloadBytes?: number;
}

/**
 * Runs one started job to the end of its attempt: resolves the task, validates the payload,
 * calls the handler with a context, enforces the timeout, and writes the outcome under the
 * job's fencing token. Never throws: every failure becomes a stored outcome or an `error` event.
 * `onHandlerSettled` is called once the outcome is known, before it is written: the caller's
 * slot is free from then on (the write joins a batch with other jobs' outcomes).
 *
 * Events are built only when someone listens (a burst of thousands of jobs pays nothing for the
 * events nobody reads).
 */
export async function executeJob(ctx: JobExecutorContext, held: HeldJob, onHandlerSettled: () => void = () => undefined): Promise<void> {
  const startedAtMs = held.startedAtMs ?? ctx.clock.now();
  const { claimed } = held;
  if (claimed.unreadable) {
    // A record the store could not decode never runs: it is dead-lettered, naming its fields.
    const error = corruptRecordError('job', claimed.id, claimed.unreadable);
    ctx.events.emit('record.quarantined', { kind: 'job', id: claimed.id, unreadable: claimed.unreadable, error });
    held.state = 'writing';
    onHandlerSettled();
    await writeOutcome(ctx, held, { status: 'dead', error: toJobError(error) }, false, startedAtMs);
    return;
  }
  if (ctx.events.has('job.started')) ctx.events.emit('job.started', { job: held.snapshot('running', ctx.nodeId) });
  const definition = ctx.registry.get(claimed.task);
  let completion: JobCompletion;
  let endSchedule = false;
  if (!definition) {
    // Routing keeps a node from claiming a task it does not know; a bug or a hand-made claim may still.
    const error = new UnknownTaskError(
      `No task named "${claimed.task}" is registered on node ${ctx.nodeId} (known: ${ctx.registry.names().join(', ') || 'none'})`,
    );
    completion = { status: 'dead', error: toJobError(error) };
  } else {
    try {
      const instrumentation = ctx.instrumentation;
      const result = instrumentation?.consume
        ? await instrumentation.consume(attemptInfo(ctx, held, startedAtMs), () => runHandler(ctx, definition, held))
        : await runHandler(ctx, definition, held);
      if (result instanceof StopScheduleSignal) {
        completion = { status: 'succeeded', result: null };
        endSchedule = true;
      } else {
        completion = { status: 'succeeded', result: storableResult(ctx, held, result) };
      }
    } catch (thrown) {
      // An abort wins over whatever the handler threw while being aborted.
      const error = held.aborted ? held.abortReason : thrown;
      if (error instanceof LeaseLostError) {
        held.state = 'writing';
        onHandlerSettled();
        return; // the new owner writes the outcome, not us
      }
      ({ completion, endSchedule } = completionForFailure({
        error,
        job: { attempt: claimed.attempt, maxAttempts: claimed.maxAttempts },
        policy: definition.retry,
        nowMs: ctx.clock.now(),
        random: ctx.random,
      }));
    }
    // A cancellation is the operator's, not the task's failure: the breaker does not count it.
    if (ctx.onAttemptEnded && completion.status !== 'cancelled') ctx.onAttemptEnded(claimed.task, completion.status === 'succeeded', ctx.clock.now());
  }
  held.state = 'writing';
  onHandlerSettled();
  await writeOutcome(ctx, held, completion, endSchedule && claimed.scheduleId !== null, startedAtMs);
}

function attemptInfo(ctx: JobExecutorContext, held: HeldJob, startedAtMs: number): AttemptInfo {
  const { claimed } = held;
  return {
    jobId: claimed.id,
    task: claimed.task,
    attempt: claimed.attempt,
    maxAttempts: claimed.maxAttempts,
    origin: claimed.origin,
    scheduleId: claimed.scheduleId,
    fireAtMs: claimed.fireAtMs,
    runAtMs: claimed.runAtMs,
    startedAtMs,
    nodeId: ctx.nodeId,
    ...(claimed.traceContext === undefined ? {} : { traceContext: claimed.traceContext }),
  };
}

async function runHandler(ctx: JobExecutorContext, definition: AnyTaskDefinition, held: HeldJob): Promise<unknown> {
  const { claimed } = held;
  const data = definition.schema ? await validatePayload(definition.schema, claimed.data, `data of job ${claimed.id}`) : claimed.data;
  const parents = claimed.parents && ctx.loadParents ? await ctx.loadParents(claimed.parents) : undefined;
  const timer =
    definition.timeoutMs === null
      ? null
      : ctx.clock.setTimer(
          () => held.abort(new JobTimeoutError(`Job ${claimed.id} (${claimed.task}) timed out after ${definition.timeoutMs} ms`)),
          definition.timeoutMs,
        );
  try {
    const handler = Promise.resolve().then(() => definition.run(new HandlerContext(held, data, ctx.nodeId, ctx.services, ctx.logger, parents)));
    // A handler that ignores its signal must not hold the attempt open: the abort ends it now.
    handler.catch(() => undefined);
    return await Promise.race([handler, held.abortion()]);
  } finally {
    timer?.cancel();
  }
}

/** Writes the attempt's outcome and tells the listeners; a refused write is a lost lease. */
async function writeOutcome(ctx: JobExecutorContext, held: HeldJob, completion: JobCompletion, endSchedule: boolean, startedAtMs: number): Promise<void> {
  const { claimed } = held;
  let written: boolean;
  try {
    written = await ctx.completions.complete({
      jobId: claimed.id,
      fencingToken: claimed.fencingToken,
      nowMs: ctx.clock.now(),
      completion,
      ...(endSchedule ? { endSchedule } : {}),
      // The store still holds it as reserved: this outcome is also the news of its start.
      ...(held.storeReserved ? { startedAtMs } : {}),
    });
  } catch (error) {
    // The lease runs out and another node retries the job: at-least-once, never lost.
    ctx.events.emit('error', { error: error as Error, during: `completing job ${claimed.id}` });
    return;
  }
  if (!written) {
    ctx.events.emit('lease.lost', { jobId: claimed.id, fencingToken: claimed.fencingToken });
    return;
  }
  emitOutcome(ctx, held, completion, endSchedule);
}

function emitOutcome(ctx: JobExecutorContext, held: HeldJob, completion: JobCompletion, endSchedule: boolean): void {
  const { events } = ctx;
  const nowMs = ctx.clock.now();
  const snapshot = (status: JobSnapshot['status'], error = null as JobSnapshot['error']): JobSnapshot =>
    held.snapshot(status, ctx.nodeId, { nowMs, error, ...(completion.status === 'succeeded' ? { result: completion.result } : {}) });
  switch (completion.status) {
    case 'succeeded':
      if (events.has('job.succeeded')) {
        events.emit('job.succeeded', { job: snapshot('succeeded'), result: completion.result, durationMs: nowMs - (held.startedAtMs ?? nowMs) });
      }
      if (endSchedule && held.claimed.scheduleId) {
        ctx.onScheduleEnded?.(held.claimed.scheduleId);
        events.emit('schedule.ended', { scheduleId: held.claimed.scheduleId, reason: 'stopped-by-handler' });
      }
      break;
    case 'retry':
      if (events.has('job.failed')) {
        events.emit('job.failed', { job: snapshot('failed', completion.error), error: completion.error, retryAtMs: completion.retryAtMs });
      }
      break;
    case 'dead':
      if (events.has('job.dead')) events.emit('job.dead', { job: snapshot('dead', completion.error), error: completion.error });
      break;
    case 'cancelled':
      if (events.has('job.cancelled')) events.emit('job.cancelled', { job: snapshot('cancelled', completion.error) });
      break;
    case 'released':
      // A released attempt does not count.
      if (events.has('job.released')) events.emit('job.released', { job: held.snapshot('queued', ctx.nodeId, { attempt: held.claimed.attempt - 1 }) });
      break;
    case 'deferred':
    case 'discarded':
      break;
  }
}

/** The handler's result as stored: null when it is not JSON or is larger than `maxPayloadBytes` (with a warning). */
function storableResult(ctx: JobExecutorContext, held: HeldJob, result: unknown): JsonValue | null {
  if (result === undefined) return null;
  try {
    assertJsonPayload(result, `result of job ${held.id}`, ctx.maxPayloadBytes ?? defaultMaxPayloadBytes);
    return result;
  } catch (error) {
    const what = error instanceof PayloadTooLargeError ? 'a value larger than `maxPayloadBytes`' : 'a value that is not JSON';
    ctx.logger.warn(`job ${held.id} (${held.claimed.task}) returned ${what}; stored as null`, { error: toJobError(error).message });
    return null;
  }
}
