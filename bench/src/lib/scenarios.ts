// The seven scenarios, written once against BenchSystem; each returns the figures of one line.
import { performance } from 'node:perf_hooks';
import { spawnChild, tell, type Child } from './children.ts';
import { args, collectGarbage, count, notApplicable, perSecond, round, rssSampler, sleep, summary } from './common.ts';
import { analyseFires } from './fires.ts';
import type { BenchSystem, StartEvent } from './system.ts';

type Figures = Record<string, unknown>;
const now = () => Date.now();

/** 1a. Enqueue: bulk (batches of 1,000) and one call per job. */
export async function enqueue(system: BenchSystem): Promise<Figures> {
  const n = count(20_000);
  const batch = 1000;
  await system.setup();
  let started = performance.now();
  for (let offset = 0; offset < n; offset += batch) await system.enqueueBatch(offset, Math.min(batch, n - offset));
  const bulkMs = performance.now() - started;
  started = performance.now();
  for (let i = 0; i < n; i++) await system.enqueueOne(`single-${i}`);
  const singleMs = performance.now() - started;
  return { jobs: n, batchSize: batch, bulkJobsPerSecond: perSecond(n, bulkMs), singleJobsPerSecond: perSecond(n, singleMs) };
}

/** 1b. Process n queued no-op jobs with one worker at `concurrency`. */
export async function processJobs(system: BenchSystem, concurrency: number): Promise<Figures> {
  const n = count(20_000);
  await system.setup();
  for (let offset = 0; offset < n; offset += 1000) await system.enqueueBatch(offset, Math.min(1000, n - offset));
  collectGarbage();
  const rss = rssSampler();
  const started = performance.now();
  await system.startWorker({ concurrency, handlerMs: 0, onStart: () => undefined });
  // Bounded: a system that cannot drain the queue in time is measured on what it did.
  const boundMs = args.quick ? 5_000 : 15_000;
  let processed = 0;
  while ((processed = await system.processedCount()) < n && performance.now() - started < boundMs) await sleep(10);
  const ms = performance.now() - started;
  const peakRssMb = rss.stop();
  await system.stopWorker();
  return { jobs: n, processed, concurrency, ms: round(ms), jobsPerSecond: perSecond(processed, ms), peakRssMb, ...(processed < n ? { boundedAtMs: boundMs } : {}) };
}

/**
 * 2. n one-shot schedules all due at the same instant (`delayed`: n jobs enqueued to run at that
 * instant; the same for a system whose one-shots are delayed jobs).
 */
export async function fireBurst(system: BenchSystem, kind: 'schedules' | 'delayed' = 'schedules'): Promise<Figures> {
  const n = count(5000);
  await system.setup();
  const dueAtMs = now() + (args.quick ? 1000 : 3000) + n; // room to create them before they are due
  const createStarted = performance.now();
  const items = Array.from({ length: n }, (_, i) => ({ key: `burst-${i}`, dueAtMs }));
  await (kind === 'delayed' && system.addDelayedJobs ? system.addDelayedJobs(items) : system.addOneShots(items));
  const createMs = performance.now() - createStarted;
  const starts: StartEvent[] = [];
  const boundMs = args.quick ? 5_000 : 15_000;
  const done = waitCount(starts, n, dueAtMs - now() + boundMs).then(() => true, () => false);
  await system.startWorker({ concurrency: 50, handlerMs: 0, onStart: (event) => starts.push(event) });
  const startedBeforeDue = now() < dueAtMs;
  const allStarted = await done;
  await system.stopWorker();
  const keys = new Set(starts.map((event) => event.key));
  // Jobs not started within the bound count as started at the bound, so percentiles stay honest.
  const lateness = starts.map((event) => round(event.startedAtMs - dueAtMs));
  while (lateness.length < n) lateness.push(boundMs);
  return {
    jobs: n, started: keys.size, concurrency: 50, createMs: round(createMs), startedBeforeDue,
    latenessMs: summary(lateness), allStartedAfterDueMs: allStarted ? round(Math.max(...lateness)) : null, duplicates: starts.length - keys.size,
    ...(allStarted ? {} : { boundedAtMs: boundMs }),
  };
}

/** Seconds of fires counted by scenarios 3 and 4 (BENCH_FIRE_SECONDS; 60 in full runs). */
const fireSeconds = () => (args.quick ? 3 : Number(process.env.BENCH_FIRE_SECONDS ?? 60));

/** 3. 200 schedules every second for 60 s on one node. */
export async function recurrent(system: BenchSystem): Promise<Figures> {
  if (!system.addRecurring) return notApplicable(system.naReasons?.recurrent ?? 'no sub-minute recurring schedules');
  const schedules = count(200) < 20 ? 20 : count(200);
  const seconds = fireSeconds();
  await system.setup();
  const starts: StartEvent[] = [];
  await system.startWorker({ concurrency: 50, handlerMs: 0, onStart: (event) => starts.push(event) });
  const ids = Array.from({ length: schedules }, (_, i) => `every-${i}`);
  const createdAtMs = now();
  await system.addRecurring(ids, 1000);
  // Skip the first 2 s (creation and first fire), then count fires for `seconds`.
  const fromMs = createdAtMs + 2000;
  const toMs = fromMs + seconds * 1000;
  await sleep(toMs - now() + 1500);
  await system.stopWorker();
  return { everyMs: 1000, windowSeconds: seconds, ...analyseFires(starts, ids, 1000, fromMs, toMs) };
}

/** 4. Three processes on one store, 200 schedules every second for 60 s. */
export async function nodes(system: BenchSystem, caseArgs: readonly string[]): Promise<Figures> {
  if (!system.addRecurring) return notApplicable(system.naReasons?.nodes ?? 'no sub-minute recurring schedules');
  const schedules = count(200) < 20 ? 20 : count(200);
  const seconds = fireSeconds();
  await system.setup();
  const children = [0, 1, 2].map(() => spawnChild(caseArgs, 'node'));
  await Promise.all(children.map((child) => child.ready));
  const ids = Array.from({ length: schedules }, (_, i) => `node-every-${i}`);
  const createdAtMs = now();
  await system.addRecurring(ids, 1000);
  const fromMs = createdAtMs + 2000;
  const toMs = fromMs + seconds * 1000;
  await sleep(toMs - now() + 1500);
  await stopChildren(children);
  const all = children.flatMap((child) => child.starts);
  return {
    processes: 3, everyMs: 1000, windowSeconds: seconds,
    firesPerProcess: children.map((child) => child.starts.filter((e) => e.intendedAtMs !== null && e.intendedAtMs >= fromMs && e.intendedAtMs < toMs).length),
    ...analyseFires(all, ids, 1000, fromMs, toMs),
  };
}

/** 5. A process running a 10 s job is SIGKILLed 1 s in; when does another process start it? */
export async function takeover(system: BenchSystem, caseArgs: readonly string[]): Promise<Figures> {
  const reason = system.naReasons?.[`takeover-${args.variant}`];
  if (reason) return notApplicable(reason);
  await system.setup();
  const victim = spawnChild(caseArgs, 'victim');
  await victim.ready;
  const firstStart = victim.nextStart();
  await system.enqueueOne('crash-me');
  const first = await withTimeout(firstStart, 30_000, 'the first start');
  const survivor = spawnChild(caseArgs, 'survivor');
  await survivor.ready;
  await sleep(Math.max(0, first.startedAtMs + 1000 - now()));
  const secondStart = survivor.nextStart();
  victim.process.kill('SIGKILL');
  const killedAtMs = now();
  const boundMs = 120_000;
  let takeoverMs: number | null = null;
  try {
    const second = await withTimeout(secondStart, boundMs, 'the restart');
    takeoverMs = second.startedAtMs - killedAtMs;
  } catch {
    takeoverMs = null;
  }
  await stopChildren([survivor]);
  return { handlerMs: 10_000, killedAfterMs: round(killedAtMs - first.startedAtMs), takeoverMs: takeoverMs === null ? null : round(takeoverMs), boundMs };
}

/** 6. Many stored one-shots far in the future plus a few due soon. */
export async function scale(system: BenchSystem, caseArgs: readonly string[]): Promise<Figures> {
  const due = args.quick ? 100 : 1000;
  await system.setup();
  // The stored ones are added by another process, so this (the node's) RSS holds none of that work.
  const adder = spawnChild(caseArgs, 'scale-add');
  const [added] = await Promise.all([adder.nextStart(), adder.exited]);
  const { stored, addMs } = JSON.parse(added.key) as { stored: number; addMs: number };
  collectGarbage();
  const baselineRssMb = round(process.memoryUsage.rss() / 1024 / 1024);
  const rss = rssSampler();
  const starts: StartEvent[] = [];
  await system.startWorker({ concurrency: 50, handlerMs: 0, onStart: (event) => starts.push(event) });
  const dueAtMs = now() + 3000;
  await system.addOneShots(Array.from({ length: due }, (_, i) => ({ key: `due-${i}`, dueAtMs })));
  const startedBeforeDue = now() < dueAtMs;
  await waitCount(starts, due, 120_000);
  await sleep(1000); // a second of steady state with the store still full
  const peakRssMb = rss.stop();
  await system.stopWorker();
  return {
    stored, due, addMs: round(addMs), addPerSecond: perSecond(stored, addMs), startedBeforeDue, baselineRssMb, peakRssMb,
    latenessMs: summary(starts.map((event) => event.startedAtMs - dueAtMs)),
  };
}

/** In a child of scenario 6: add the stored one-shots in bulk, report count and time as one `start` line. */
async function addStored(system: BenchSystem): Promise<void> {
  const stored = args.quick ? 10_000 : Number(process.env.BENCH_SCALE_STORED ?? 1_000_000);
  await system.setup();
  const farAtMs = now() + 30 * 24 * 3600_000;
  const batch = 5000;
  const started = performance.now();
  for (let offset = 0; offset < stored; offset += batch) {
    await system.addOneShots(Array.from({ length: Math.min(batch, stored - offset) }, (_, i) => ({ key: `far-${offset + i}`, dueAtMs: farAtMs + ((offset + i) % 86_400) * 1000 })));
  }
  const addMs = performance.now() - started;
  tell({ event: 'start', key: JSON.stringify({ stored, addMs }), intendedAtMs: null, startedAtMs: now() });
}

/** 7. Enqueue → handler start for single jobs on an idle worker, from another connection. */
export async function latency(system: BenchSystem, producer: BenchSystem): Promise<Figures> {
  const n = count(100);
  await system.setup();
  let waiting: ((event: StartEvent) => void) | null = null;
  await system.startWorker({ concurrency: 10, handlerMs: 0, onStart: (event) => waiting?.(event) });
  await producer.setup();
  await sleep(500);
  const latencies: number[] = [];
  // Bounded: a system that polls slowly sends fewer pings.
  const boundMs = args.quick ? 5_000 : 15_000;
  const startedAt = now();
  for (let i = 0; i < n && now() - startedAt < boundMs; i++) {
    await sleep(20 + Math.random() * 30);
    const started = new Promise<StartEvent>((resolve) => (waiting = resolve));
    const sentAt = performance.now();
    await producer.enqueueOne(`ping-${i}`);
    await withTimeout(started, 30_000, 'a ping');
    latencies.push(performance.now() - sentAt);
  }
  await system.stopWorker();
  return { jobs: latencies.length, latencyMs: summary(latencies) };
}

/** The body of a child process: run a worker and report starts until killed or told to stop. */
export async function childRole(system: BenchSystem, role: string): Promise<void> {
  if (role === 'scale-add') return addStored(system);
  await system.setup();
  const handlerMs = role === 'node' ? 0 : 10_000;
  await system.startWorker({ concurrency: 10, handlerMs, onStart: (event) => tell({ event: 'start', ...event }) });
  tell({ event: 'ready' });
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  await system.stopWorker();
}

async function stopChildren(children: readonly Child[]): Promise<void> {
  for (const child of children) child.process.kill('SIGTERM');
  await Promise.all(children.map((child) => Promise.race([child.exited, sleep(15_000).then(() => child.process.kill('SIGKILL'))])));
}

function waitCount(events: readonly unknown[], n: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = now() + timeoutMs;
    const check = () => {
      if (events.length >= n) return resolve();
      if (now() > deadline) return reject(new Error(`only ${events.length} of ${n} started in ${timeoutMs} ms`));
      setTimeout(check, 5);
    };
    check();
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what} (${ms} ms)`)), ms);
    promise.then((value) => { clearTimeout(timer); resolve(value); }, (error: unknown) => { clearTimeout(timer); reject(error as Error); });
  });
}
