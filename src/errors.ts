/**
 * Every error Sundial throws is a `SundialError` with a stable `code`, so callers can branch on
 * `err.code` without parsing messages. Causes are chained with the standard `cause` option.
 */
export class SundialError extends Error {
  readonly code: string = 'SUNDIAL_ERROR';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A value given at the API edge was malformed: a duration, a trigger, an option. */
export class InvalidArgumentError extends SundialError {
  // Typed as string so subclasses can carry their own, more precise code.
  override readonly code: string = 'INVALID_ARGUMENT';
}

/**
 * A cron expression that is not valid: the message names the wrong field, quotes the expression
 * and gives a valid example; `cause` holds the parser's own finding.
 */
export class InvalidCronError extends InvalidArgumentError {
  override readonly code = 'INVALID_CRON';
}

/** A time zone name the runtime's Intl database does not know. */
export class UnknownTimeZoneError extends InvalidArgumentError {
  override readonly code = 'UNKNOWN_TIME_ZONE';
}

/** A payload that is not plain JSON (functions, class instances, cycles, NaN, …). */
export class PayloadNotSerializableError extends InvalidArgumentError {
  override readonly code = 'PAYLOAD_NOT_SERIALIZABLE';
}

/**
 * A payload (job data, or a handler's result) whose UTF-8 JSON is larger than the scheduler's
 * `maxPayloadBytes`. `bytes` is its size, `limitBytes` the limit.
 */
export class PayloadTooLargeError extends InvalidArgumentError {
  override readonly code = 'PAYLOAD_TOO_LARGE';
  readonly bytes: number;
  readonly limitBytes: number;
  constructor(message: string, bytes: number, limitBytes: number, options?: ErrorOptions) {
    super(message, options);
    this.bytes = bytes;
    this.limitBytes = limitBytes;
  }
}

/** A payload that the task's Standard Schema validator rejected; `issues` holds its findings. */
export class PayloadValidationError extends InvalidArgumentError {
  override readonly code = 'PAYLOAD_INVALID';
  readonly issues: ReadonlyArray<{ message: string; path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> | undefined }>;
  constructor(
    message: string,
    issues: ReadonlyArray<{ message: string; path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> | undefined }>,
  ) {
    super(message);
    this.issues = issues;
  }
}

/** A task name that no registered task answers to. */
export class UnknownTaskError extends SundialError {
  override readonly code = 'UNKNOWN_TASK';
}

/** Two tasks registered under one name. */
export class DuplicateTaskError extends SundialError {
  override readonly code = 'DUPLICATE_TASK';
}

export class ScheduleNotFoundError extends SundialError {
  override readonly code = 'SCHEDULE_NOT_FOUND';
}

export class JobNotFoundError extends SundialError {
  override readonly code = 'JOB_NOT_FOUND';
}

/**
 * `Scheduler.trigger(id)` refused to start a job: the schedule already has `maxRunning` active
 * jobs. `trigger(id, { overlap: 'allow' })` starts one anyway.
 */
export class ScheduleBusyError extends SundialError {
  override readonly code = 'SCHEDULE_BUSY';
  readonly scheduleId: string;
  /** The schedule's active jobs found (queued, running, failed awaiting retry, or reserved and due). */
  readonly activeJobs: number;
  readonly maxRunning: number;
  constructor(scheduleId: string, activeJobs: number, maxRunning: number, options?: ErrorOptions) {
    super(
      `Schedule "${scheduleId}" already has ${activeJobs} active job${activeJobs === 1 ? '' : 's'} (maxRunning ${maxRunning}); trigger it with { overlap: 'allow' } to start one anyway`,
      options,
    );
    this.scheduleId = scheduleId;
    this.activeJobs = activeJobs;
    this.maxRunning = maxRunning;
  }
}

/** A job's state does not allow the requested change (retrying a job that is still running, …). */
export class InvalidJobStateError extends SundialError {
  override readonly code = 'INVALID_JOB_STATE';
}

/**
 * The caller no longer holds the lease it acted under: another node claimed the job after the
 * lease expired. The fencing token in the call was stale, so the write was refused.
 */
export class LeaseLostError extends SundialError {
  override readonly code = 'LEASE_LOST';
}

/** The handler ran longer than its task's `timeout`. */
export class JobTimeoutError extends SundialError {
  override readonly code = 'JOB_TIMEOUT';
}

/** The job was cancelled by an operator or by `scheduler.cancelJob`. */
export class JobCancelledError extends SundialError {
  override readonly code = 'JOB_CANCELLED';
}

/** The scheduler is stopping and gave up waiting for the handler; the job goes back to the queue. */
export class ShutdownError extends SundialError {
  override readonly code = 'SHUTDOWN';
}

/** The store's schema is damaged, or was written by a newer Sundial than this one. */
export class StoreSchemaError extends SundialError {
  override readonly code = 'STORE_SCHEMA';
}

/**
 * A stored record could not be decoded (see `UnreadableField`): the job was dead-lettered, or the
 * schedule paused, instead of being run. The message names the record and its unreadable fields.
 */
export class CorruptRecordError extends SundialError {
  override readonly code = 'CORRUPT_RECORD';
}

/** The store could not be reached or answered with an error. */
export class StoreUnavailableError extends SundialError {
  override readonly code = 'STORE_UNAVAILABLE';
}

/**
 * The store's configuration cannot work as given (a SQLite path whose folder cannot be created, a
 * path that is a folder, no permission): retrying will not help. The message names the path and
 * the fix; `cause` holds the system error.
 */
export class StoreConfigError extends SundialError {
  override readonly code = 'STORE_CONFIG';
}

/** A method was called in a lifecycle state that does not allow it (schedule() after stop(), …). */
export class SchedulerStateError extends SundialError {
  override readonly code = 'SCHEDULER_STATE';
}

/**
 * Throw from a handler to fail the job without any further retry (bad input that will never
 * succeed). Same role as BullMQ's `UnrecoverableError`.
 */
export class NonRetryableError extends SundialError {
  override readonly code = 'NON_RETRYABLE';
}

/**
 * Throw from a handler (or return `stopSchedule()`) to end the schedule that fired the job: the
 * resource it watches is gone. The job itself counts as succeeded.
 */
export class StopScheduleSignal extends SundialError {
  override readonly code = 'STOP_SCHEDULE';
  constructor(reason = 'stopped by its handler') {
    super(reason);
  }
}

/** A task asked the service provider for a dependency that it does not have. */
export class ServiceNotFoundError extends SundialError {
  override readonly code = 'SERVICE_NOT_FOUND';
}

/** A job's node stopped renewing its lease (it crashed, or its event loop was blocked too long). */
export class LeaseExpiredError extends SundialError {
  override readonly code = 'LEASE_EXPIRED';
}

/**
 * Throw from a controller's `reconcile` to stop retrying a key: the error is reported and the
 * key forgotten until something adds it again (controller-runtime's `TerminalError`).
 */
export class TerminalError extends SundialError {
  override readonly code = 'TERMINAL';
}

/** Leader-only work was asked of a node that does not lead (or no longer does) under the given term. */
export class NotLeaderError extends SundialError {
  override readonly code = 'NOT_LEADER';
}

/**
 * `scheduler.result(jobId)` found the job in a final status other than succeeded (dead or
 * cancelled). `status` says which; `jobError` is the error the job stored, as plain data.
 */
export class JobFailedError extends SundialError {
  override readonly code = 'JOB_FAILED';
  readonly jobId: string;
  readonly status: 'dead' | 'cancelled';
  readonly jobError: { name: string; message: string; code?: string | undefined; stack?: string | undefined } | null;
  constructor(jobId: string, status: 'dead' | 'cancelled', jobError: { name: string; message: string; code?: string | undefined; stack?: string | undefined } | null) {
    super(`Job ${jobId} ${status === 'dead' ? 'failed' : 'was cancelled'}${jobError ? `: ${jobError.name}: ${jobError.message}` : ''}`);
    this.jobId = jobId;
    this.status = status;
    this.jobError = jobError;
  }
}

/** A wait (`scheduler.result`, a command) ran out of time before the job reached a final status. */
export class ResultTimeoutError extends SundialError {
  override readonly code = 'RESULT_TIMEOUT';
}
