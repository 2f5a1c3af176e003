import type { JsonValue } from '../domain/json.ts';
import type { JobOrigin } from '../domain/job.ts';
import { StopScheduleSignal } from '../errors.ts';
import type { JobInfo, TaskContext, TaskLogger } from '../tasks/task.ts';
import type { HeldJob } from './held-job.ts';
import type { ParentJob } from '../flows/parent-job.ts';
import type { Logger } from './logger.ts';

/**
 * What a handler receives, built per run from the held job without copying it: the job's info,
 * its `signal` and its logger are made only when the handler reads them (most short handlers read
 * `data` and nothing else).
 */
export class HandlerContext implements TaskContext<unknown, unknown> {
  readonly data: unknown;
  readonly services: unknown;
  readonly parents: readonly ParentJob[];
  readonly #held: HeldJob;
  readonly #nodeId: string;
  readonly #logger: Logger;
  #job: JobInfo | null = null;
  #log: TaskLogger | null = null;

  constructor(held: HeldJob, data: unknown, nodeId: string, services: unknown, logger: Logger, parents: readonly ParentJob[] = noParents) {
    this.#held = held;
    this.parents = parents;
    this.data = data;
    this.#nodeId = nodeId;
    this.services = services;
    this.#logger = logger;
  }

  get job(): JobInfo {
    this.#job ??= new HeldJobInfo(this.#held, this.#nodeId);
    return this.#job;
  }

  get attempt(): number {
    return this.#held.claimed.attempt;
  }

  get fireAt(): Date | null {
    return this.job.fireAt;
  }

  get signal(): AbortSignal {
    return this.#held.signal;
  }

  get log(): TaskLogger {
    if (!this.#log) {
      const logger = this.#logger;
      const { id, task, attempt } = this.#held.claimed;
      const base = { jobId: id, task, attempt };
      this.#log = {
        debug: (message, fields) => logger.debug(message, { ...base, ...fields }),
        info: (message, fields) => logger.info(message, { ...base, ...fields }),
        warn: (message, fields) => logger.warn(message, { ...base, ...fields }),
        error: (message, fields) => logger.error(message, { ...base, ...fields }),
      };
    }
    return this.#log;
  }

  stopSchedule(reason?: string): StopScheduleSignal {
    return new StopScheduleSignal(reason);
  }
}

const noParents: readonly ParentJob[] = Object.freeze([]);

/** `JobInfo` read from a held job; the dates are made when read. */
class HeldJobInfo implements JobInfo {
  readonly #held: HeldJob;
  readonly nodeId: string;

  constructor(held: HeldJob, nodeId: string) {
    this.#held = held;
    this.nodeId = nodeId;
  }

  get id(): string {
    return this.#held.claimed.id;
  }
  get task(): string {
    return this.#held.claimed.task;
  }
  get origin(): JobOrigin {
    return this.#held.claimed.origin;
  }
  get scheduleId(): string | null {
    return this.#held.claimed.scheduleId;
  }
  get fireAtMs(): number | null {
    return this.#held.claimed.fireAtMs;
  }
  get fireAt(): Date | null {
    const ms = this.#held.claimed.fireAtMs;
    return ms === null ? null : new Date(ms);
  }
  get attempt(): number {
    return this.#held.claimed.attempt;
  }
  get maxAttempts(): number {
    return this.#held.claimed.maxAttempts;
  }
  get fencingToken(): number {
    return this.#held.claimed.fencingToken;
  }
  get priority(): number {
    return this.#held.claimed.priority;
  }
  get runAt(): Date {
    return new Date(this.#held.claimed.runAtMs);
  }

  toJSON(): Record<string, JsonValue> {
    return {
      id: this.id,
      task: this.task,
      origin: this.origin,
      scheduleId: this.scheduleId,
      fireAt: this.fireAt?.toISOString() ?? null,
      fireAtMs: this.fireAtMs,
      attempt: this.attempt,
      maxAttempts: this.maxAttempts,
      fencingToken: this.fencingToken,
      priority: this.priority,
      runAt: this.runAt.toISOString(),
      nodeId: this.nodeId,
    };
  }
}
