// The OpenTelemetry SDK as a test sees it: spans kept in memory, metrics collected on demand, and
// the async-hooks context manager (registered once per test file: the context API is a global).
import { context, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { DataPointType, MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';

let contextManager: AsyncLocalStorageContextManager | null = null;

/** Registers the AsyncLocalStorage context manager, once: `context.with` then follows awaits. */
export function useAsyncContext(): void {
  if (contextManager) return;
  contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
}

/** A reader that exports nothing: the test collects when it wants to. */
class CollectingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

export interface Otel {
  tracerProvider: TracerProvider;
  meterProvider: MeterProvider;
  exporter: InMemorySpanExporter;
  spans(): ReadableSpan[];
  span(name: string): ReadableSpan;
  collect(): Promise<MetricData[]>;
  metric(name: string): Promise<MetricData | undefined>;
  /** The data points of a counter, gauge or up-down counter: attributes and value. */
  values(name: string): Promise<Array<{ attributes: Attributes; value: number }>>;
  /** The data points of a histogram: attributes, count, sum, min and max. */
  histogram(name: string): Promise<Array<{ attributes: Attributes; count: number; sum: number; min: number | undefined; max: number | undefined }>>;
  shutdown(): Promise<void>;
}

export function createOtel(): Otel {
  useAsyncContext();
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const collect = async (): Promise<MetricData[]> => {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0) throw new AggregateError(errors, 'metric collection failed');
    return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
  };
  const metric = async (name: string) => (await collect()).find((data) => data.descriptor.name === name);
  return {
    tracerProvider,
    meterProvider,
    exporter,
    spans: () => exporter.getFinishedSpans(),
    span(name) {
      const found = exporter.getFinishedSpans().filter((span) => span.name === name);
      if (found.length !== 1) throw new Error(`Expected one span named "${name}", found ${found.length}: ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);
      return found[0]!;
    },
    collect,
    metric,
    async values(name) {
      const data = await metric(name);
      if (!data) return [];
      if (data.dataPointType !== DataPointType.SUM && data.dataPointType !== DataPointType.GAUGE) throw new Error(`${name} is not a sum or a gauge`);
      return data.dataPoints.map(({ attributes, value }) => ({ attributes, value }));
    },
    async histogram(name) {
      const data = await metric(name);
      if (!data) return [];
      if (data.dataPointType !== DataPointType.HISTOGRAM) throw new Error(`${name} is not a histogram`);
      return data.dataPoints.map(({ attributes, value }) => ({ attributes, count: value.count, sum: value.sum ?? Number.NaN, min: value.min, max: value.max }));
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}
