import { ROOT_CONTEXT, createTraceState, defaultTextMapGetter, trace, type SpanContext } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { describe, expect, test } from 'vitest';
import { storedSpanContext, storedTraceContext, W3CTraceContextFormat } from '../../../src/telemetry/trace-context.ts';

const traceId = '0af7651916cd43dd8448eb211c80319c';
const spanId = 'b7ad6b7169203331';
const format = new W3CTraceContextFormat();
const contextOf = (spanContext: SpanContext) => trace.setSpanContext(ROOT_CONTEXT, spanContext);

describe('the stored trace context (W3C traceparent, then a line break and tracestate)', () => {
  test('writes traceparent alone, or with its tracestate after a line break', () => {
    expect(storedTraceContext(contextOf({ traceId, spanId, traceFlags: 1 }), format)).toBe(`00-${traceId}-${spanId}-01`);
    expect(storedTraceContext(contextOf({ traceId, spanId, traceFlags: 0, traceState: createTraceState('a=1,b=2') }), format)).toBe(`00-${traceId}-${spanId}-00\na=1,b=2`);
  });

  test('writes nothing for a context without a valid span (no SDK: the no-op tracer)', () => {
    expect(storedTraceContext(ROOT_CONTEXT, format)).toBeNull();
    expect(storedTraceContext(contextOf({ traceId: '0'.repeat(32), spanId, traceFlags: 1 }), format)).toBeNull();
  });

  test('leaves out a tracestate that would pass 2,048 characters', () => {
    const long = Array.from({ length: 31 }, (_, i) => `k${i}=${'v'.repeat(200)}`).join(',');
    const stored = storedTraceContext(contextOf({ traceId, spanId, traceFlags: 1, traceState: createTraceState(long) }), format)!;
    expect(stored).toBe(`00-${traceId}-${spanId}-01`);
  });

  test('reads back what it wrote, as a remote span context', () => {
    const read = storedSpanContext(`00-${traceId}-${spanId}-01\nvendor=x`, format)!;
    expect(read).toMatchObject({ traceId, spanId, traceFlags: 1, isRemote: true });
    expect(read.traceState?.serialize()).toBe('vendor=x');
    expect(storedSpanContext(`00-${traceId}-${spanId}-00`, format)).toMatchObject({ traceId, spanId, traceFlags: 0 });
  });

  test.each([
    ['nothing', undefined],
    ['an empty string', ''],
    ['garbage', 'hello'],
    ['a zero trace id', `00-${'0'.repeat(32)}-${spanId}-01`],
    ['a zero span id', `00-${traceId}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${traceId}-${spanId}-01`],
    ['version 00 with an extra field', `00-${traceId}-${spanId}-01-extra`],
    ['upper-case hex', `00-${traceId.toUpperCase()}-${spanId}-01`],
  ])('reads %s as no context', (_what, stored) => {
    expect(storedSpanContext(stored, format)).toBeNull();
  });

  test('accepts a future version with extra fields (W3C: parse the known prefix)', () => {
    expect(storedSpanContext(`01-${traceId}-${spanId}-01-future`, format)).toMatchObject({ traceId, spanId });
  });

  test("agrees with the SDK's W3CTraceContextPropagator both ways", () => {
    const sdk = new W3CTraceContextPropagator();
    const original = contextOf({ traceId, spanId, traceFlags: 1, traceState: createTraceState('vendor=opaque') });
    // Ours written, the SDK's read.
    const [traceparent, tracestate] = storedTraceContext(original, format)!.split('\n');
    const read = trace.getSpanContext(sdk.extract(ROOT_CONTEXT, { traceparent, tracestate }, defaultTextMapGetter))!;
    expect([read.traceId, read.spanId, read.traceFlags, read.traceState?.get('vendor')]).toEqual([traceId, spanId, 1, 'opaque']);
    // The SDK's written, ours read.
    const stored = storedTraceContext(original, sdk)!;
    expect(storedSpanContext(stored, format)).toMatchObject({ traceId, spanId, traceFlags: 1 });
    expect(stored).toBe(storedTraceContext(original, format));
  });
});
