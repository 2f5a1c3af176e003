import { createNoopMeter, metrics, trace, type Meter, type TextMapPropagator, type TracerProvider } from '@opentelemetry/api';
import type { AttemptInfo, Instrumentation, InstrumentedScheduler, ProduceInfo } from '../index.ts';
import { InvalidArgumentError } from '../errors.ts';
import { parseDuration } from '../time/duration.ts';
import { sundialVersion } from '../version.ts';
import { errorType, JobSpans } from './job-spans.ts';
import { SchedulerMetrics, type SchedulerMetricsOptions } from './scheduler-metrics.ts';
import { instrumentationName } from './telemetry-names.ts';
import type { OpenTelemetryOptions } from './telemetry-options.ts';
import { W3CTraceContextFormat } from './trace-context.ts';

/**
 * Telemetry for a `Scheduler` with the OpenTelemetry API (`@opentelemetry/api`, a peer
 * dependency): metrics of attempts, fires, leases and the queue, and spans that follow each job
 * from where it was made to every attempt, on whichever node runs it. Without an OpenTelemetry
 * SDK in the process it records nothing and costs next to nothing: it sees that the API's
 * globals are no-ops and steps aside.
 *
 * One instance may serve several schedulers of a process.
 *
 * @example
 * import { openTelemetry } from 'sundial-scheduler/telemetry';
 * const scheduler = new Scheduler({ store, tasks, instrumentation: openTelemetry() });
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): OpenTelemetryInstrumentation {
  return new OpenTelemetryInstrumentation(options);
}

/** What `openTelemetry()` returns: the scheduler's `instrumentation`. */
export class OpenTelemetryInstrumentation implements Instrumentation {
  readonly #spans: JobSpans;
  readonly #tracerProvider: TracerProvider;
  readonly #meterProvider: OpenTelemetryOptions['meterProvider'];
  readonly #metricsOptions: SchedulerMetricsOptions;
  /** Made at the first attach (or attempt); null when the meter provider is the API's no-op. */
  #metrics: SchedulerMetrics | null | undefined;

  constructor(options: OpenTelemetryOptions = {}) {
    const propagator: TextMapPropagator = options.propagator ?? new W3CTraceContextFormat();
    this.#tracerProvider = options.tracerProvider ?? trace.getTracerProvider();
    this.#spans = new JobSpans(this.#tracerProvider.getTracer(instrumentationName, sundialVersion), propagator);
    this.#meterProvider = options.meterProvider;
    this.#metricsOptions = {
      scheduleIdAttribute: scheduleIdFilter(options.scheduleIdAttribute),
      queueDepth: options.queueDepth ?? true,
      queueDepthIntervalMs: options.queueDepthInterval === undefined ? 5_000 : parseDuration(options.queueDepthInterval, 'queueDepthInterval'),
    };
  }

  attach(scheduler: InstrumentedScheduler): void {
    this.#schedulerMetrics()?.attach(scheduler);
  }

  produce<T>(info: ProduceInfo, write: (traceContext: string | null) => Promise<T>): Promise<T> {
    return this.#tracing() ? this.#spans.produce(info, write) : write(null);
  }

  consume<T>(attempt: AttemptInfo, run: () => Promise<T>): Promise<T> {
    const metrics = this.#schedulerMetrics();
    const tracing = this.#tracing();
    // No SDK: nothing would be recorded, so nothing is measured either.
    if (metrics === null && !tracing) return run();
    return this.#consume(attempt, run, metrics, tracing);
  }

  async #consume<T>(attempt: AttemptInfo, run: () => Promise<T>, metrics: SchedulerMetrics | null, tracing: boolean): Promise<T> {
    // Due at runAt: a fire's instant (plus the trigger's jitter, a spread that is meant, not late;
    // a fire noticed after downtime keeps its instant), a delayed job's runAt, or a retry's planned time.
    const latenessMs = attempt.startedAtMs - attempt.runAtMs;
    // A duration on the monotonic clock, as the span's own: the histogram agrees with the traces.
    const startedAt = performance.now();
    let thrown: string | null = null;
    try {
      return await (tracing ? this.#spans.consume(attempt, latenessMs, run) : run());
    } catch (error) {
      thrown = errorType(error);
      throw error;
    } finally {
      metrics?.recordAttempt(attempt, latenessMs, (performance.now() - startedAt) / 1000, thrown);
    }
  }

  /**
   * Whether spans can be recorded: false only for the API's global proxy with no SDK behind it
   * (checked at each call, since an SDK may register after the scheduler was made).
   */
  #tracing(): boolean {
    const provider = this.#tracerProvider as TracerProvider & { getDelegateTracer?: (name: string) => unknown };
    return typeof provider.getDelegateTracer !== 'function' || provider.getDelegateTracer(instrumentationName) !== undefined;
  }

  #schedulerMetrics(): SchedulerMetrics | null {
    if (this.#metrics === undefined) {
      // The global meter provider is no proxy: it is read once, as late as possible (the first attach).
      const meter = (this.#meterProvider ?? metrics.getMeterProvider()).getMeter(instrumentationName, sundialVersion);
      this.#metrics = isNoopMeter(meter) ? null : new SchedulerMetrics(meter, this.#metricsOptions);
    }
    return this.#metrics;
  }
}

/** The API's no-op meter (no SDK registered): its instruments record nothing. */
function isNoopMeter(meter: Meter): boolean {
  return meter.constructor === createNoopMeter().constructor;
}

function scheduleIdFilter(option: OpenTelemetryOptions['scheduleIdAttribute']): (scheduleId: string) => boolean {
  if (option === undefined || option === false) return () => false;
  if (option === true) return () => true;
  if (typeof option === 'function') return option;
  throw new InvalidArgumentError(`Expected \`scheduleIdAttribute\` to be a boolean or a function of the schedule id, got ${JSON.stringify(option)}`);
}
