import { metrics, type Attributes, type Histogram } from '@opentelemetry/api';
import type { Store } from '../index.ts';
import { sundialVersion } from '../version.ts';
import { errorType } from './job-spans.ts';
import { storeCallBuckets } from './scheduler-metrics.ts';
import { instrumentationName, messagingAttributes, sundialAttributes, sundialMetrics } from './telemetry-names.ts';
import type { InstrumentStoreOptions } from './telemetry-options.ts';

type Method = (...args: unknown[]) => unknown;

/**
 * The store, with the duration of every method call recorded as `sundial.store.call.duration`
 * (attributes `sundial.store`, `sundial.store.method`, and `error.type` when it failed). Give the
 * wrapped store to the scheduler. Methods run on the store itself, so its own fields, private ones
 * included, behave as before; properties (`name`, `capabilities`) pass through.
 *
 * Store calls are not traced (they would make every claim and renewal a span): only timed.
 *
 * @example
 * const store = instrumentStore(new SqliteStore('sundial.db'));
 * const scheduler = new Scheduler({ store, tasks, instrumentation: openTelemetry() });
 */
export function instrumentStore<S extends Store>(store: S, options: InstrumentStoreOptions = {}): S {
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(instrumentationName, sundialVersion);
  const histogram = meter.createHistogram(sundialMetrics.storeCallDuration, {
    description: 'How long one store method call took (until its promise settled).',
    unit: 's',
    advice: { explicitBucketBoundaries: storeCallBuckets },
  });
  const timed = new Map<string, { method: Method; wrapper: Method }>();
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      let entry = timed.get(property);
      if (entry?.method !== value) {
        entry = { method: value as Method, wrapper: timedMethod(target, value as Method, histogram, { [sundialAttributes.store]: target.name, [sundialAttributes.storeMethod]: property }) };
        timed.set(property, entry);
      }
      return entry.wrapper;
    },
  });
}

function timedMethod(target: Store, method: Method, histogram: Histogram, attributes: Attributes): Method {
  const failedAttributes = (error: unknown): Attributes => ({ ...attributes, [messagingAttributes.errorType]: errorType(error) });
  const done = (startedAt: number, outcome: Attributes = attributes): void => histogram.record((performance.now() - startedAt) / 1000, outcome);
  return (...args) => {
    const startedAt = performance.now();
    let result: unknown;
    try {
      result = method.apply(target, args);
    } catch (error) {
      done(startedAt, failedAttributes(error));
      throw error;
    }
    if (!(result instanceof Promise)) {
      done(startedAt);
      return result;
    }
    return result.then(
      (value: unknown) => {
        done(startedAt);
        return value;
      },
      (error: unknown) => {
        done(startedAt, failedAttributes(error));
        throw error;
      },
    );
  };
}
