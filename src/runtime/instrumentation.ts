import type { JobOrigin } from '../domain/job.ts';
import type { SchedulerEventListener, SchedulerEventName } from './events.ts';

/** One attempt as the instrumentation sees it, before its handler runs. */
export interface AttemptInfo {
  jobId: string;
  task: string;
  attempt: number;
  maxAttempts: number;
  origin: JobOrigin;
  scheduleId: string | null;
  /** The fire's nominal instant (schedule fires), else null. */
  fireAtMs: number | null;
  runAtMs: number;
  /** When this attempt started, on the node's clock. */
  startedAtMs: number;
  nodeId: string;
  /** Where the job was made (`NewJob.traceContext`), if it was traced. */
  traceContext?: string;
}

/** A write that makes jobs or a schedule, as the instrumentation sees it. */
export interface ProduceInfo {
  kind: 'enqueue' | 'schedule' | 'trigger';
  /** The task (the first one's, for a batch of several). */
  task: string;
  /** Jobs or schedules written. */
  count: number;
  scheduleId: string | null;
}

/** What a scheduler hands to its instrumentation when it is made. */
export interface InstrumentedScheduler {
  readonly nodeId: string;
  readonly storeName: string;
  /**
   * Listens to this node's scheduler events (see `SchedulerEvents`); returns a function that removes the listener.
   */
  on<E extends SchedulerEventName>(event: E, listener: SchedulerEventListener<E>): () => void;
  /** Jobs whose handler runs on this node now. */
  runningCount(): number;
  /** Jobs in each status in the store now (one store call). */
  countByStatus(): Promise<Record<string, number>>;
  /** The circuit breakers of the tasks this node runs, as it last read them (no store call). */
  breakerStates?(): Array<{ task: string; state: 'closed' | 'open' | 'half-open' }>;
}

/**
 * The scheduler's hooks for telemetry (`sundial-scheduler/telemetry` implements them with OpenTelemetry;
 * the core depends on no telemetry library). Every hook is optional, and a scheduler without
 * instrumentation pays nothing for them.
 */
export interface Instrumentation {
  /** Called once, when the scheduler is made: subscribe to its events, register gauges. */
  attach?(scheduler: InstrumentedScheduler): void;
  /**
   * Wraps a write that makes jobs (`enqueue`, `enqueueMany`, `trigger`) or a schedule: `write`
   * stores them with the trace context it is given (null: none). Called in the caller's async
   * context, so the span active there is the write's parent. Must return `write`'s result.
   */
  produce?<T>(info: ProduceInfo, write: (traceContext: string | null) => Promise<T>): Promise<T>;
  /** Wraps one attempt's handler (in the handler's async context). Must settle as `run` does. */
  consume?<T>(attempt: AttemptInfo, run: () => Promise<T>): Promise<T>;
}

/** `write` inside the instrumentation's `produce` when there is one, else with no trace context. */
export function produce<T>(instrumentation: Instrumentation | null, info: () => ProduceInfo, write: (traceContext: string | null) => Promise<T>): Promise<T> {
  // The description is built only for an instrumentation that will read it.
  return instrumentation?.produce ? instrumentation.produce(info(), write) : write(null);
}

/** The job or schedule write with its trace context, when there is one. */
export function withTraceContext<T extends object>(value: T, traceContext: string | null): T {
  return traceContext === null || traceContext === '' ? value : { ...value, traceContext };
}
