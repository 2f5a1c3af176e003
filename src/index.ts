/**
 * The scheduler, tasks, triggers, the store contract and the errors. Stores live in their own entry
 * points (`sundial-scheduler/memory`, `sundial-scheduler/sqlite`, …) so that an application loads only the
 * driver it uses.
 *
 * @packageDocumentation
 * @module sundial-scheduler
 */
export { Scheduler, type ScheduleInput, type EnqueueInput, type SchedulerHealth, type TriggerOptions, type BackfillRange, type BackfillResult } from './runtime/scheduler.ts';
export type { FlowStep } from './runtime/scheduler-inputs.ts';
export type { ParentJob } from './flows/parent-job.ts';
export type { BreakerOptions, BreakerPolicy } from './breaker/breaker-options.ts';
export type { RateLimitOptions, RateLimitPolicy } from './rate-limit/rate-limit-options.ts';
export type { SchedulerOptions } from './runtime/scheduler-options.ts';
export type { Instrumentation, InstrumentedScheduler, AttemptInfo, ProduceInfo } from './runtime/instrumentation.ts';
export type { SchedulerEvents, SchedulerEventName, SchedulerEventListener } from './runtime/events.ts';
export type { ClusterEvents, ClusterEventName, ClusterEventListener, ClusterEventMeta } from './cluster/cluster-events.ts';
export { consoleLogger, silentLogger, type Logger, type LogLevel } from './runtime/logger.ts';
export { task, type TaskDefinition, type TaskContext, type TaskOptions, type JobInfo, type TaskLogger } from './tasks/task.ts';
export { Task, type TaskClassOptions, type TaskClass } from './tasks/task-decorator.ts';
export { resolveService, withServiceScope, type ServiceProvider, type ServiceToken, type ScopedServiceProvider, type ServiceScope } from './tasks/services.ts';
export type { StandardSchemaV1, InferInput, InferOutput } from './tasks/standard-schema.ts';
export type { TaskEntry } from './tasks/task-registry.ts';
export { at, every, cron, calendar, nextFires, type CalendarOptions, type NextFiresOptions, type PreviewableTrigger } from './triggers/index.ts';
export type { CronOptions, EveryOptions, Instant } from './triggers/index.ts';
export type { TriggerSpec, DateTriggerSpec, IntervalTriggerSpec, CronTriggerSpec, CalendarTriggerSpec, DstPolicy } from './domain/trigger.ts';
export type { ScheduleRecord, ScheduleWrite, CoalescePolicy, OverlapPolicy } from './domain/schedule.ts';
export { jobStatuses, type ParentFailurePolicy, type JobRecord, type JobSnapshot, type JobStatus, type JobAttempt, type JobError, type JobOrigin } from './domain/job.ts';
export type { AttemptOutcome, NewJob } from './domain/job.ts';
export type { NodeRecord } from './domain/node.ts';
export type { UnreadableField } from './domain/unreadable.ts';
export type { JsonValue } from './domain/json.ts';
export type { RetryOptions, RetryPolicy } from './domain/retry.ts';
export type { Duration } from './time/duration.ts';
export { systemClock, type Clock, type TimerHandle } from './time/clock.ts';
export type * from './store/store.ts';
export * from './errors.ts';

// The records under the names users reach for first (`import type { Job } from 'sundial-scheduler'`).
// A node stays `NodeRecord`: a type named `Node` would shadow the DOM's `Node` in the importing file.
import type { JobAttempt, JobRecord } from './domain/job.ts';
import type { ScheduleRecord } from './domain/schedule.ts';

/**
 * A job: one unit of work — created by a schedule's fire or enqueued on demand — with its status,
 * payload, result and attempt history. Same as `JobRecord` (what `scheduler.getJob`, `enqueue` and
 * the stores return).
 */
export type Job = JobRecord;

/**
 * A schedule: when a task runs (a trigger with its payload and policies), under a stable id, with
 * its next fire and counters. Same as `ScheduleRecord` (what `scheduler.schedule` and `getSchedule` return).
 */
export type Schedule = ScheduleRecord;

/** One attempt of a job: who ran it, under which fencing token, when, and how it ended. Same as `JobAttempt`. */
export type Attempt = JobAttempt;
