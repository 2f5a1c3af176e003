// One process of the command round-trip benchmark (spawned by command-round-trip.ts):
//
//   node bench/src/controllers/command-node.ts --role controller --store postgres --name <schema> [--serve-bulk]
//   node bench/src/controllers/command-node.ts --role worker     --store postgres --name <schema>
//   node bench/src/controllers/command-node.ts --role load       --store postgres --name <schema> --rate 1000
//   node bench/src/controllers/command-node.ts --role api        --store postgres --name <schema> --commands 1000 --warmup 50
//
// controller: a Scheduler serving queue 'controller' (and 'bulk' with --serve-bulk), defaults
//   otherwise. worker: a Scheduler serving queue 'bulk' only. load: a client that enqueues jobs of
//   the task 'bulk' at a steady rate. api: a Scheduler with queues: ['api'] (it runs nothing)
//   that enqueues a `command` job and awaits `scheduler.result(job.id)`, one command at a time.
// Every store is wrapped (timed-store.ts) so each process can say when the command's store calls
// ran. Lines on stdout: ready, then (api) done with every command's timings, or (the others,
// when the parent writes {"cmd":"report","from","to"} on stdin) report, then they exit.
import { cpuUsage } from 'node:process';
import { parseArgs } from 'node:util';
import { Scheduler, task, type EnqueueInput, type SchedulerOptions } from '../../../src/index.ts';
import type { ClaimedJob, ClusterEventRecord, ClusterEventWrite, CompleteJobRequest, JobRecord } from '../../../src/index.ts';
import { onOrders, say } from './processes.ts';
import { openStore, storeKind, wallNow } from './stores.ts';
import { callSummary, timedStore } from './timed-store.ts';

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    store: { type: 'string' },
    name: { type: 'string' },
    'serve-bulk': { type: 'boolean', default: false },
    rate: { type: 'string', default: '1000' },
    commands: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '50' },
    'think-ms': { type: 'string', default: '10' },
    /**
     * api: how it learns the command's end. `result` (the figure): scheduler.result(). `poll`
     * (a comparison, not in the plan): getJob() every 2 ms, so that no node listens to
     * job.succeeded and none appends it to the cluster event log.
     */
    'api-wait': { type: 'string', default: 'result' },
    /** Scheduler options (JSON) for the bulk consumer only (worker, or controller with --serve-bulk). */
    'bulk-options': { type: 'string', default: '{}' },
    /** Scheduler options as JSON, for a tuned variant (e.g. {"pollInterval":"100ms"}); default: none. */
    options: { type: 'string', default: '{}' },
    /** SqliteStore watchIntervalMs, for a tuned variant; default: the store's (50). */
    'sqlite-watch-ms': { type: 'string' },
  },
});
const role = values.role!;
const kind = storeKind(values.store);
const tuned = JSON.parse(values.options) as Partial<SchedulerOptions>;

/** The timings of one command, from the process that saw each step. */
interface CommandTimes {
  id: string;
  i?: number;
  // api
  /** The API called `enqueue()`. */
  sent?: number;
  enqueueStart?: number;
  enqueueEnd?: number;
  readStart?: number;
  readEnd?: number;
  /** Events answered by the read that brought this command's end. */
  readItems?: number;
  confirmStart?: number;
  confirmEnd?: number;
  resolved?: number;
  // controller
  claimStart?: number;
  claimEnd?: number;
  runStart?: number;
  runEnd?: number;
  writeStart?: number;
  writeEnd?: number;
  /** The controller emitted `job.succeeded` locally (the publisher buffers it then). */
  emitted?: number;
  appendStart?: number;
  appendEnd?: number;
  appendItems?: number;
}
const commands = new Map<string, CommandTimes>();
const times = (id: string): CommandTimes => {
  let entry = commands.get(id);
  if (!entry) commands.set(id, (entry = { id }));
  return entry;
};
const isFinal = (status: string) => status === 'succeeded' || status === 'dead' || status === 'cancelled';
const commandEnd = (event: ClusterEventWrite): string | null => {
  if (event.type !== 'job.succeeded' && event.type !== 'job.dead' && event.type !== 'job.cancelled') return null;
  const job = (event.data as { job?: { id?: string; task?: string } } | null)?.job;
  return job?.task === 'command' && typeof job.id === 'string' ? job.id : null;
};

// Each step of a command is recorded the first time it happens (a later retry or re-read does not move it).
const watchMs = values['sqlite-watch-ms'] === undefined ? undefined : Number(values['sqlite-watch-ms']);
const timed = timedStore(openStore(kind, values.name!, watchMs), (method, callArgs, result, start, end) => {
  const first = callArgs[0];
  const claimed = method === 'claimJobs' ? (result as ClaimedJob[]) : method === 'completeAndClaim' ? (result as { claimed: ClaimedJob[] }).claimed : [];
  for (const job of claimed) {
    if (job.task !== 'command') continue;
    const entry = times(job.id);
    entry.claimStart ??= start;
    entry.claimEnd ??= end;
  }
  const completions = method === 'completeJobs' ? (first as CompleteJobRequest[]) : method === 'completeAndClaim' ? (first as { completions: CompleteJobRequest[] }).completions : [];
  for (const completion of completions) {
    const entry = commands.get(completion.jobId);
    if (!entry || entry.runStart === undefined) continue;
    entry.writeStart ??= start;
    entry.writeEnd ??= end;
  }
  if (method === 'appendEvents') {
    for (const event of first as ClusterEventWrite[]) {
      const id = commandEnd(event);
      if (id === null) continue;
      const entry = times(id);
      entry.appendStart ??= start;
      entry.appendEnd ??= end;
      entry.appendItems ??= (first as unknown[]).length;
    }
  }
  if (method === 'enqueueJobs') {
    for (const job of first as { id: string; task: string }[]) {
      if (job.task !== 'command') continue;
      const entry = times(job.id);
      entry.enqueueStart ??= start;
      entry.enqueueEnd ??= end;
    }
  }
  if (method === 'readEvents') {
    const { events } = result as { events: ClusterEventRecord[] };
    for (const event of events) {
      const id = commandEnd(event);
      if (id === null) continue;
      const entry = commands.get(id);
      if (!entry) continue;
      entry.readStart ??= start;
      entry.readEnd ??= end;
      entry.readItems ??= events.length;
    }
  }
  if (method === 'getJob') {
    const record = result as JobRecord | null;
    if (record && record.task === 'command' && isFinal(record.status)) {
      const entry = times(record.id);
      entry.confirmStart ??= start;
      entry.confirmEnd ??= end;
    }
  }
});

/** Samples every 100 ms: [wall ms, a running count, this process's CPU time in ms]. */
const series: [number, number, number][] = [];
let count = 0;
const sampler = setInterval(() => {
  const cpu = cpuUsage();
  series.push([wallNow(), count, (cpu.user + cpu.system) / 1000]);
}, 100);
sampler.unref();

/** The count and CPU time at `at`, interpolated between samples. */
function sampleAt(at: number): { count: number; cpuMs: number } {
  const after = series.findIndex(([t]) => t >= at);
  if (after <= 0) {
    const edge = series[after === 0 ? 0 : series.length - 1] ?? [at, 0, 0];
    return { count: edge[1], cpuMs: edge[2] };
  }
  const [t0, c0, u0] = series[after - 1]!;
  const [t1, c1, u1] = series[after]!;
  const f = (at - t0) / (t1 - t0);
  return { count: c0 + f * (c1 - c0), cpuMs: u0 + f * (u1 - u0) };
}

function windowFigures(from: number, to: number) {
  const start = sampleAt(from);
  const end = sampleAt(to);
  const seconds = (to - from) / 1000;
  return {
    perSecond: Math.round((end.count - start.count) / seconds),
    countAtEnd: Math.round(end.count),
    cpuPercent: Math.round(((end.cpuMs - start.cpuMs) / (to - from)) * 100),
    storeCalls: callSummary(timed.calls, from, to),
  };
}

/** Pickup latency of bulk jobs (enqueue call → handler start), with when each started. */
const bulkPickups: [number, number][] = [];
const bulk = task('bulk', {
  queue: 'bulk',
  run: ({ data }) => {
    const now = wallNow();
    bulkPickups.push([now, now - (data as { t: number }).t]);
    count++;
  },
});
const command = task('command', {
  queue: 'controller',
  run: ({ job, data }) => {
    const entry = times(job.id);
    entry.runStart = wallNow();
    const answer = { ok: true, i: (data as { i: number }).i };
    entry.runEnd = wallNow();
    return answer;
  },
});

const base = { store: timed.store, logger: 'error' as const, ...tuned };
const bulkTuned = JSON.parse(values['bulk-options']) as Partial<SchedulerOptions>;
let scheduler: Scheduler;
if (role === 'controller') {
  const serveBulk = values['serve-bulk'];
  scheduler = new Scheduler({ ...base, ...(serveBulk ? bulkTuned : {}), tasks: serveBulk ? [command, bulk] : [command], queues: serveBulk ? ['controller', 'bulk'] : ['controller'] });
} else if (role === 'worker') {
  scheduler = new Scheduler({ ...base, ...bulkTuned, tasks: [bulk], queues: ['bulk'] });
} else if (role === 'load') {
  scheduler = new Scheduler({ ...base, tasks: [bulk], roles: { schedules: false, jobs: false } });
} else if (role === 'api') {
  scheduler = new Scheduler({ ...base, tasks: [command], queues: ['api'] });
} else {
  throw new Error(`unknown --role ${role}`);
}

if (role === 'controller') {
  // A local listener, beside the publisher's: when the outcome was announced in this process.
  scheduler.on('job.succeeded', ({ job }) => {
    if (job.task === 'command') times(job.id).emitted ??= wallNow();
  });
}
if (role === 'load') await scheduler.listJobs({ limit: 1 }); // opens the store; a client does not start
else await scheduler.start();

let loadRunning = role === 'load';
const loadDone = role === 'load' ? runLoad(Number(values.rate)) : Promise.resolve();
await say('ready', { role, at: wallNow() });

if (role === 'api') {
  await runCommands(Number(values.warmup), Number(values.commands), Number(values['think-ms']));
} else {
  onOrders((order) => {
    if (order.cmd !== 'report') return;
    void report(order.from as number, order.to as number);
  });
}

async function report(from: number, to: number): Promise<void> {
  loadRunning = false;
  await loadDone;
  const figures: Record<string, unknown> = { role, ...windowFigures(from, to), signals: timed.signals.filter((s) => s.at >= from && s.at <= to).length };
  if (role === 'controller') figures.commands = [...commands.values()].filter((c) => c.runStart !== undefined);
  if (role === 'controller' || role === 'worker') {
    const pickups = bulkPickups.filter(([at]) => at >= from && at <= to).map(([, ms]) => ms).sort((a, b) => a - b);
    const at = (p: number) => (pickups.length === 0 ? null : Math.round(pickups[Math.min(pickups.length - 1, Math.ceil((p / 100) * pickups.length) - 1)]! * 10) / 10);
    figures.bulkPickupMs = { n: pickups.length, p50: at(50), p99: at(99), max: at(100) };
  }
  if (role === 'controller') {
    // When this process heard of work (a 'jobs' signal): the wake-up half of each command's trip.
    figures.jobSignals = timed.signals.filter((s) => s.signal === 'jobs' && s.at >= from - 1_000 && s.at <= to).map((s) => Math.round(s.at * 1000) / 1000);
  }
  await say('report', figures);
  await Promise.race([scheduler.stop({ timeout: 0 }), new Promise((resolve) => setTimeout(resolve, 3_000))]);
  process.exit(0);
}

/** Enqueues `rate` jobs/s in ticks of 10 ms, each tick catching up to rate × elapsed (one enqueueMany). */
async function runLoad(rate: number): Promise<void> {
  const startedAt = wallNow();
  while (loadRunning) {
    const due = Math.min(1_000, Math.floor(((wallNow() - startedAt) * rate) / 1000) - count);
    if (due > 0) {
      const t = wallNow();
      await scheduler.enqueueMany(Array.from({ length: due }, (): EnqueueInput => ({ task: 'bulk', data: { t } })));
      count += due;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The comparison path: reads the job every 2 ms until it ends. */
async function pollResult(jobId: string): Promise<{ ok: boolean; i: number } | null> {
  for (;;) {
    const record = await scheduler.getJob(jobId);
    if (record && isFinal(record.status)) return record.result as { ok: boolean; i: number } | null;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function runCommands(warmup: number, n: number, thinkMs: number): Promise<void> {
  const warmupMs: number[] = [];
  let from = 0;
  const measured: CommandTimes[] = [];
  for (let i = 0; i < warmup + n; i++) {
    if (i === warmup) {
      from = wallNow();
      void say('measuring', { from });
    }
    const start = wallNow();
    const job = await scheduler.enqueue({ task: 'command', data: { i } });
    const answer = values['api-wait'] === 'poll' ? await pollResult(job.id) : await scheduler.result<{ ok: boolean; i: number }>(job.id, { timeout: '30s' });
    const resolved = wallNow();
    if (answer?.i !== i) throw new Error(`command ${i} answered ${JSON.stringify(answer)}`);
    const entry = times(job.id);
    entry.i = i;
    entry.sent = start;
    entry.resolved = resolved;
    if (i < warmup) warmupMs.push(Math.round((resolved - start) * 100) / 100);
    else {
      count++;
      measured.push(entry);
    }
    if (thinkMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * thinkMs));
  }
  const to = wallNow();
  const figures = windowFigures(from, to);
  await say('done', { role, from, to, warmupMs, commands: measured, ...figures, signals: timed.signals.filter((s) => s.at >= from && s.at <= to).length });
  await Promise.race([scheduler.stop({ timeout: 0 }), new Promise((resolve) => setTimeout(resolve, 3_000))]);
  process.exit(0);
}
