// The public API of `sundial`. Stores live in their own entry points (sundial/memory,
// sundial/sqlite, …) so an application loads only the driver it uses.
export { Scheduler, type ScheduleInput, type EnqueueInput, type SchedulerHealth, type TriggerOptions, type BackfillRange, type BackfillResult } from './runtime/scheduler.ts';
export type { FlowStep } from './runtime/scheduler-inputs.ts';
export type { ParentJob } from './flows/parent-job.ts';
export type { BreakerOptions } from './breaker/breaker-options.ts';
export type { RateLimitOptions } from './rate-limit/rate-limit-options.ts';
export type { SchedulerOptions } from './runtime/scheduler-options.ts';
export type { Instrumentation, InstrumentedScheduler, AttemptInfo, ProduceInfo } from './runtime/instrumentation.ts';
export type { SchedulerEvents, SchedulerEventName, SchedulerEventListener } from './runtime/events.ts';
export type { ClusterEvents, ClusterEventName, ClusterEventListener, ClusterEventMeta } from './cluster/cluster-events.ts';
export { consoleLogger, silentLogger, type Logger, type LogLevel } from './runtime/logger.ts';
export { task, type TaskDefinition, type TaskContext, type TaskOptions, type JobInfo, type TaskLogger } from './tasks/task.ts';
export { Task, type TaskClassOptions, type TaskClass } from './tasks/task-decorator.ts';
export { resolveService, withServiceScope, type ServiceProvider, type ServiceToken, type ScopedServiceProvider, type ServiceScope } from './tasks/services.ts';
export type { StandardSchemaV1 } from './tasks/standard-schema.ts';
export { at, every, cron, calendar, nextFires, type CalendarOptions, type NextFiresOptions, type PreviewableTrigger } from './triggers/index.ts';
export type { TriggerSpec, DateTriggerSpec, IntervalTriggerSpec, CronTriggerSpec, CalendarTriggerSpec } from './domain/trigger.ts';
export type { ScheduleRecord, CoalescePolicy, OverlapPolicy } from './domain/schedule.ts';
export { jobStatuses, type ParentFailurePolicy, type JobRecord, type JobSnapshot, type JobStatus, type JobAttempt, type JobError, type JobOrigin } from './domain/job.ts';
export type { JsonValue } from './domain/json.ts';
export type { RetryOptions } from './domain/retry.ts';
export type { Duration } from './time/duration.ts';
export { systemClock, type Clock, type TimerHandle } from './time/clock.ts';
export type * from './store/store.ts';
export * from './errors.ts';
