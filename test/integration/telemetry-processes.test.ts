// The trace context crosses processes with the job: a span made in this process (the producer of
// an enqueue, or of a schedule write) is the parent of — or, for a schedule's fire, the link from —
// the consumer span of the attempt that another OS process runs, through a shared SQLite file.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpanKind } from '@opentelemetry/api';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { Scheduler, every } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';
import { openTelemetry } from '../../src/telemetry/index.ts';
import { createOtel, type Otel } from '../unit/telemetry/otel-harness.ts';
import { pollUntil } from '../fixtures/node-processes.ts';
import type { SpanLine } from '../fixtures/telemetry-worker.ts';

const workerScript = fileURLToPath(new URL('../fixtures/telemetry-worker.ts', import.meta.url));

let directory: string;
let otel: Otel;
let worker: ChildProcessWithoutNullStreams | null = null;
let client: Scheduler | null = null;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'sundial-telemetry-'));
  otel = createOtel();
});
afterEach(async () => {
  await client?.stop();
  if (worker && worker.exitCode === null && worker.signalCode === null) {
    const exited = new Promise((resolve) => worker!.once('close', resolve));
    worker.kill('SIGKILL');
    await exited;
  }
  worker = null;
  await otel.shutdown();
  rmSync(directory, { recursive: true, force: true });
});

function spansOf(file: string): SpanLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as SpanLine);
}

test('a job enqueued here runs in another process under the producer span (same trace); a schedule fire links to it', async () => {
  const db = join(directory, 'shared.db');
  const spansFile = join(directory, 'worker-spans.jsonl');
  // This process is a client: it writes, another process runs.
  client = new Scheduler({
    store: new SqliteStore(db),
    roles: { schedules: false, jobs: false },
    logger: 'warn',
    instrumentation: openTelemetry({ tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider }),
  });
  const tracer = otel.tracerProvider.getTracer('api');
  const job = await tracer.startActiveSpan('POST /emails', async (span) => {
    try {
      return await client!.enqueue({ task: 'email', data: { to: 'ada' } });
    } finally {
      span.end();
    }
  });
  await tracer.startActiveSpan('deploy', async (span) => {
    try {
      await client!.schedule({ id: 'heartbeat', task: 'report', trigger: every('1s') });
    } finally {
      span.end();
    }
  });
  const enqueueSpan = otel.span('enqueue email');
  const scheduleSpan = otel.span('schedule report');

  worker = spawn(process.execPath, [workerScript, '--db', db, '--out', spansFile, '--node', 'worker-1'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  worker.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  worker.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));

  const lines = await pollUntil("the worker's spans", 30_000, () => {
    const spans = spansOf(spansFile);
    return spans.some((s) => s.name === 'process email') && spans.some((s) => s.name === 'process report') ? spans : undefined;
  }, 50).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; worker output:\n${output}`, { cause: error });
  });
  await client.unschedule('heartbeat');

  const consumer = lines.find((s) => s.name === 'process email')!;
  expect(consumer.pid).not.toBe(process.pid);
  expect(consumer.kind).toBe(SpanKind.CONSUMER);
  expect(consumer.traceId).toBe(enqueueSpan.spanContext().traceId);
  expect(consumer.parentSpanId).toBe(enqueueSpan.spanContext().spanId);
  expect(consumer.attributes).toMatchObject({ 'sundial.job.id': job.id, 'sundial.node.id': 'worker-1', 'sundial.job.origin': 'enqueue' });
  // The handler's span, in the worker, under the attempt: the request's trace goes on there.
  const smtp = lines.find((s) => s.name === 'smtp send')!;
  expect([smtp.traceId, smtp.parentSpanId]).toEqual([enqueueSpan.spanContext().traceId, consumer.spanId]);

  const fire = lines.find((s) => s.name === 'process report')!;
  expect(fire.parentSpanId).toBeNull();
  expect(fire.traceId).not.toBe(scheduleSpan.spanContext().traceId);
  expect(fire.links).toEqual([{ traceId: scheduleSpan.spanContext().traceId, spanId: scheduleSpan.spanContext().spanId }]);

  const exited = new Promise<number | null>((resolve) => worker!.once('close', (code) => resolve(code)));
  worker.kill('SIGTERM');
  expect(await exited).toBe(0);
});
