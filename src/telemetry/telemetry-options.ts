import type { MeterProvider, TextMapPropagator, TracerProvider } from '@opentelemetry/api';
import type { Duration } from '../index.ts';

/** Options of `openTelemetry()`. Every one is optional: the defaults follow the OpenTelemetry API's globals. */
export interface OpenTelemetryOptions {
  /**
   * Where the spans go. The global one is a proxy: an SDK registered later (before the first job
   * runs) is still used.
   * @defaultValue the global tracer provider (`trace.getTracerProvider()`), a no-op without an SDK
   * @example tracerProvider: new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] })
   */
  tracerProvider?: TracerProvider;
  /**
   * Where the metrics go. The global one is read when the first scheduler is made: start the SDK
   * before creating the scheduler (as for every OpenTelemetry instrumentation).
   * @defaultValue the global meter provider (`metrics.getMeterProvider()`), a no-op without an SDK
   * @example meterProvider: new MeterProvider({ readers: [new PrometheusExporter({ port: 9464 })] })
   */
  meterProvider?: MeterProvider;
  /**
   * How the trace context is written into a job (and read back on the node that runs it). The
   * stored text is `traceparent`, then a line break and `tracestate`, so the propagator must use
   * those two keys.
   * @defaultValue W3C Trace Context, built in (independent of the global propagator, which is a
   * no-op without an SDK and may be B3 or Jaeger in some setups)
   * @example propagator: new W3CTraceContextPropagator() // from @opentelemetry/core
   */
  propagator?: TextMapPropagator;
  /**
   * Which schedules get their id as `sundial.schedule.id` on the fire metrics
   * (`sundial.schedule.fires`, `sundial.job.lateness`). Schedule ids are chosen by the
   * application and can be unbounded (a one-shot schedule per user or per order), so none is
   * recorded unless you say so: `true` for a fleet of recurring schedules, or a predicate.
   * Spans always carry the schedule id. Other metrics never do.
   * @defaultValue false
   * @example scheduleIdAttribute: (id) => !id.startsWith('reminder:')
   */
  scheduleIdAttribute?: boolean | ((scheduleId: string) => boolean);
  /**
   * Observe the queue depth (`sundial.job.count` by status), read from the store. Every node
   * reports the same store-wide numbers: turn it off on all nodes but a few to save store reads.
   * @defaultValue true
   */
  queueDepth?: boolean;
  /**
   * How long a queue-depth reading is reused: a metric collection reads the store at most this
   * often (one `jobStats` call).
   * @defaultValue '5s'
   * @example queueDepthInterval: '30s'
   */
  queueDepthInterval?: Duration;
}

/** Options of `instrumentStore()`. */
export interface InstrumentStoreOptions {
  /**
   * Where `sundial.store.call.duration` goes.
   * @defaultValue the global meter provider (`metrics.getMeterProvider()`)
   */
  meterProvider?: MeterProvider;
}
