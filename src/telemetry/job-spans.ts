import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  type Attributes,
  type Link,
  type Span,
  type TextMapPropagator,
  type Tracer,
} from '@opentelemetry/api';
import type { AttemptInfo, ProduceInfo } from '../index.ts';
import { messagingAttributes as messaging, instrumentationName, sundialAttributes as sundial } from './telemetry-names.ts';
import { storedSpanContext, storedTraceContext } from './trace-context.ts';

/**
 * The spans of jobs, after the messaging semantic conventions: a PRODUCER span per write that
 * makes jobs or a schedule (`enqueue <task>`, `schedule <task>`, `trigger <task>`), whose context
 * is stored with them, and a CONSUMER span per attempt (`process <task>`) on whichever node runs
 * it.
 *
 * The parent-or-link rule: an attempt of a job made by `enqueue` or `trigger` is a **child** of
 * its producer span — one trace from the request, through the enqueue, to every attempt. An
 * attempt of a schedule's fire starts a **new trace** with a **link** to the span that wrote the
 * schedule: a schedule written last month fires thousands of times, and as children those fires
 * would make one endless trace that no backend shows (and no sampler decides well).
 */
export class JobSpans {
  readonly #tracer: Tracer;
  readonly #propagator: TextMapPropagator;

  constructor(tracer: Tracer, propagator: TextMapPropagator) {
    this.#tracer = tracer;
    this.#propagator = propagator;
  }

  /** Runs `write` inside a PRODUCER span, handing it the span's context to store. */
  async produce<T>(info: ProduceInfo, write: (traceContext: string | null) => Promise<T>): Promise<T> {
    if (info.count === 0) return write(null);
    const parent = context.active();
    const attributes: Attributes = {
      [messaging.system]: instrumentationName,
      [messaging.operationType]: 'send',
      [messaging.operationName]: info.kind,
      [messaging.destination]: info.task,
      [sundial.task]: info.task,
    };
    if (info.count !== 1) attributes[messaging.batchCount] = info.count;
    if (info.scheduleId !== null) attributes[sundial.scheduleId] = info.scheduleId;
    const span = this.#tracer.startSpan(`${info.kind} ${info.task}`, { kind: SpanKind.PRODUCER, attributes }, parent);
    const active = trace.setSpan(parent, span);
    try {
      // The store call runs in the producer's context: a database instrumentation's spans nest under it.
      return await context.with(active, write, undefined, storedTraceContext(active, this.#propagator));
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  /**
   * Runs one attempt's handler inside a CONSUMER span: a child of the stored context for an
   * enqueued or triggered job, a new trace linked to it for a schedule's fire, a new trace when
   * nothing was stored. Never under the context that happens to be active on the node (the one
   * `scheduler.start()` was called in): an attempt belongs to the trace of the job, not of the node.
   */
  async consume<T>(attempt: AttemptInfo, latenessMs: number, run: () => Promise<T>): Promise<T> {
    const stored = storedSpanContext(attempt.traceContext, this.#propagator);
    const linked = attempt.origin === 'schedule';
    const attributes: Attributes = {
      [messaging.system]: instrumentationName,
      [messaging.operationType]: 'process',
      [messaging.operationName]: 'process',
      [messaging.destination]: attempt.task,
      [messaging.messageId]: attempt.jobId,
      [sundial.task]: attempt.task,
      [sundial.jobId]: attempt.jobId,
      [sundial.attempt]: attempt.attempt,
      [sundial.maxAttempts]: attempt.maxAttempts,
      [sundial.origin]: attempt.origin,
      [sundial.nodeId]: attempt.nodeId,
      [sundial.latenessMs]: latenessMs,
    };
    if (attempt.scheduleId !== null) attributes[sundial.scheduleId] = attempt.scheduleId;
    const links: Link[] | undefined = linked && stored !== null ? [{ context: stored }] : undefined;
    const parent = !linked && stored !== null ? trace.setSpanContext(ROOT_CONTEXT, stored) : ROOT_CONTEXT;
    const span = this.#tracer.startSpan(`process ${attempt.task}`, { kind: SpanKind.CONSUMER, attributes, ...(links ? { links } : {}) }, parent);
    try {
      // The handler's own spans (HTTP calls, queries) nest under the attempt.
      return await context.with(trace.setSpan(parent, span), run);
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  }
}

/** Marks a span failed the way the conventions ask: ERROR status, the exception, `error.type`. */
function failed(span: Span, error: unknown): void {
  span.setAttribute(messaging.errorType, errorType(error));
  if (error instanceof Error) {
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  } else {
    span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
  }
}

/** `error.type` of the conventions: the error's class name (`JobTimeoutError`), `_OTHER` for a thrown non-Error. */
export function errorType(error: unknown): string {
  return error instanceof Error ? error.name : '_OTHER';
}
