import {
  ROOT_CONTEXT,
  createTraceState,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  isValidSpanId,
  isValidTraceId,
  trace,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';

const traceparentHeader = 'traceparent';
const tracestateHeader = 'tracestate';
/** `NewJob.traceContext` is at most this long: a tracestate that would pass it is left out. */
const maxStoredLength = 2_048;
// version-traceid-spanid-flags; a future version may append fields after a dash (W3C §3.2.4).
const traceparentPattern = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(-.*)?$/;

/**
 * The W3C Trace Context format (`traceparent`, `tracestate`) as a `TextMapPropagator`, written
 * with `@opentelemetry/api` alone. It is the default of `openTelemetry({ propagator })` because
 * the stored trace context is W3C by definition, whatever the process's global propagator is
 * (none without an SDK, B3 or Jaeger in some setups).
 */
export class W3CTraceContextFormat implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const spanContext = trace.getSpanContext(context);
    if (!spanContext || !isSpanContextValid(spanContext)) return;
    const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
    setter.set(carrier, traceparentHeader, `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`);
    const traceState = spanContext.traceState?.serialize();
    if (traceState) setter.set(carrier, tracestateHeader, traceState);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const spanContext = parseTraceparent(first(getter.get(carrier, traceparentHeader)));
    if (spanContext === null) return context;
    const traceState = getter.get(carrier, tracestateHeader);
    const raw = Array.isArray(traceState) ? traceState.join(',') : traceState;
    return trace.setSpanContext(context, raw ? { ...spanContext, traceState: createTraceState(raw) } : spanContext);
  }

  fields(): string[] {
    return [traceparentHeader, tracestateHeader];
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseTraceparent(value: string | undefined): SpanContext | null {
  const match = value === undefined ? null : traceparentPattern.exec(value.trim());
  if (!match) return null;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  // Version ff is forbidden; version 00 has exactly four fields.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  if (!isValidTraceId(traceId) || !isValidSpanId(spanId)) return null;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16), isRemote: true };
}

/**
 * The trace context to store with a job or schedule made in `context` (`NewJob.traceContext`):
 * `traceparent`, then a line break and `tracestate` when there is one. Null when the context has
 * no valid span (no SDK installed, or tracing suppressed by the propagator).
 */
export function storedTraceContext(context: Context, propagator: TextMapPropagator): string | null {
  const carrier: Record<string, string> = {};
  propagator.inject(context, carrier, defaultTextMapSetter);
  const traceparent = carrier[traceparentHeader];
  if (!traceparent) return null;
  const tracestate = carrier[tracestateHeader];
  const stored = tracestate ? `${traceparent}\n${tracestate}` : traceparent;
  return stored.length <= maxStoredLength ? stored : traceparent;
}

/** The span context a stored trace context names (remote), or null when there is none or it is unreadable. */
export function storedSpanContext(stored: string | undefined, propagator: TextMapPropagator): SpanContext | null {
  if (!stored) return null;
  const lineBreak = stored.indexOf('\n');
  const carrier: Record<string, string> =
    lineBreak === -1 ? { [traceparentHeader]: stored } : { [traceparentHeader]: stored.slice(0, lineBreak), [tracestateHeader]: stored.slice(lineBreak + 1) };
  const spanContext = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter));
  return spanContext && isSpanContextValid(spanContext) ? spanContext : null;
}
