// The runtime alone: a Scheduler on the in-process MemoryStore (no I/O, no serialization), so the
// figures are the node's own cost — its loop, bookkeeping, timers and event payloads.
//
//   node --expose-gc bench/src/profile/runtime-only.ts            both measures, 3 rounds each
//   node --expose-gc bench/src/profile/runtime-only.ts --jobs 50000 --rounds 5
//   node --expose-gc bench/src/profile/runtime-only.ts --instrumentation none,otel,sdk --rounds 8
//        telemetry's cost, A/B in one process (each round runs every kind in turn):
//        none: no instrumentation; otel: openTelemetry() without an SDK; sdk: openTelemetry() with
//        the OpenTelemetry SDK (every span recorded and dropped, metrics aggregated, never exported)
//
// - process: n queued no-op jobs at concurrency 50 → jobs/s, Node CPU µs per job, collections
//   and GC time per job (the garbage).
// - burst: n one-shot schedules (and n delayed jobs) due at one instant → start lateness p50/p99/max
//   and starts per second once the instant has come.
// It uses only the public API (and `schedule()` to set up, which every version has), so the same
// file runs in an older checkout for a before/after comparison; `--instrumentation` loads
// sundial-scheduler/telemetry (and the SDK, from the root's dev dependencies) only when it is given.
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Scheduler, at, task, type SchedulerOptions } from '../../../src/index.ts';
import { MemoryStore } from '../../../src/memory/index.ts';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '20000' },
    burst: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '3' },
    instrumentation: { type: 'string', default: 'none' },
  },
});
const n = Number(values.jobs);
const burstSize = Number(values.burst);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

/** The scheduler's `instrumentation` option for one kind of --instrumentation: none | otel | sdk. */
async function instrumentationOption(kind: string): Promise<Pick<SchedulerOptions, 'instrumentation'>> {
  if (kind === 'none') return {};
  const { openTelemetry } = await import('../../../src/telemetry/index.ts');
  if (kind === 'otel') return { instrumentation: openTelemetry() };
  if (kind !== 'sdk') throw new Error(`--instrumentation: expected none, otel or sdk, got ${kind}`);
  const { TracerProvider } = await import('@opentelemetry/sdk-trace');
  const { MeterProvider } = await import('@opentelemetry/sdk-metrics');
  return { instrumentation: openTelemetry({ tracerProvider: new TracerProvider(), meterProvider: new MeterProvider() }) };
}
const kinds = (values.instrumentation ?? 'none').split(',');
const instrumentations = new Map(await Promise.all(kinds.map(async (kind) => [kind, await instrumentationOption(kind)] as const)));
let instrumentation: Pick<SchedulerOptions, 'instrumentation'> = {};

async function processRound(): Promise<{ jobsPerSecond: number; cpuUsPerJob: number; gcPer10kJobs: number; gcUsPerJob: number }> {
  let done = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  const scheduler = new Scheduler({ store: new MemoryStore(), tasks: [task('noop', { run: () => undefined })], concurrency: 50, logger: 'error', ...instrumentation });
  scheduler.on('job.succeeded', () => void (++done === n && resolveAll()));
  for (let offset = 0; offset < n; offset += 1000) {
    await scheduler.enqueueMany(Array.from({ length: Math.min(1000, n - offset) }, (_, i) => ({ task: 'noop', data: { i: offset + i } })));
  }
  gc();
  // Garbage shows as collections: count them and their time (each scavenge empties the young
  // generation, a few MB), rather than guess from heap samples.
  let collections = 0;
  let gcMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      collections++;
      gcMs += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const cpu = process.cpuUsage();
  const started = performance.now();
  await scheduler.start();
  await all;
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  observer.disconnect();
  await scheduler.stop();
  return { jobsPerSecond: Math.round((n / ms) * 1000), cpuUsPerJob: +((used.user + used.system) / n).toFixed(2), gcPer10kJobs: +((collections / n) * 10_000).toFixed(1), gcUsPerJob: +((gcMs * 1000) / n).toFixed(2) };
}

async function burstRound(kind: 'schedules' | 'delayed'): Promise<{ p50: number; p99: number; max: number; startsPerSecond: number }> {
  const starts: number[] = [];
  const scheduler = new Scheduler({ store: new MemoryStore(), tasks: [task('noop', { run: () => void starts.push(performance.now() + performance.timeOrigin) })], concurrency: 50, logger: 'error', ...instrumentation });
  await scheduler.start();
  const dueAtMs = Date.now() + Number(process.env.ROOM ?? 2000) + burstSize / 5;
  if (kind === 'schedules') {
    for (let i = 0; i < burstSize; i += 100) await Promise.all(Array.from({ length: Math.min(100, burstSize - i) }, (_, k) => scheduler.schedule({ id: `b-${i + k}`, task: 'noop', trigger: at(dueAtMs) })));
  } else {
    for (let i = 0; i < burstSize; i += 1000) await scheduler.enqueueMany(Array.from({ length: Math.min(1000, burstSize - i) }, (_, k) => ({ task: 'noop', data: { i: i + k }, runAt: dueAtMs })));
  }
  if (Date.now() >= dueAtMs) throw new Error('setup took longer than the room before the instant');
  while (starts.length < burstSize) await new Promise((r) => setTimeout(r, 10));
  await scheduler.stop();
  const lateness = starts.map((t) => t - dueAtMs).sort((a, b) => a - b);
  const quantile = (q: number) => +lateness[Math.min(lateness.length - 1, Math.floor(q * lateness.length))]!.toFixed(1);
  const spanMs = lateness.at(-1)! - Math.max(0, lateness[0]!);
  return { p50: quantile(0.5), p99: quantile(0.99), max: quantile(1), startsPerSecond: Math.round((burstSize / Math.max(spanMs, 1)) * 1000) };
}

for (let round = 1; round <= Number(values.rounds); round++) {
  for (const [kind, option] of instrumentations) {
    instrumentation = option;
    // The kind is named only when there is a choice, so the default output keeps its old shape.
    const tag = kinds.length > 1 || kind !== 'none' ? { instrumentation: kind } : {};
    console.log(JSON.stringify({ round, ...tag, process: await processRound() }));
    console.log(JSON.stringify({ round, ...tag, burstSchedules: await burstRound('schedules') }));
    console.log(JSON.stringify({ round, ...tag, burstDelayed: await burstRound('delayed') }));
  }
}
