// Command round trip, one case in its own OS process (run.ts spawns it once per store × load):
//
//   node bench/src/controllers/command-round-trip.ts --store postgres --load none
//   node bench/src/controllers/command-round-trip.ts --store redis --load worker --rate 1000
//   node bench/src/controllers/command-round-trip.ts --store sqlite --load controller --commands 500
//
// Separate OS processes share a fresh store (command-node.ts): a controller (Scheduler serving
// queue 'controller'), an API node (queues: ['api']) that enqueues a `command` job on queue
// 'controller' and awaits `scheduler.result(job.id)` — one command at a time, 0–10 ms apart,
// `--warmup` unmeasured first (the other nodes learn within ~1 s that the API node waits for
// results) — and with `--load`, a load process enqueuing `bulk` jobs at `--rate` per second, run
// by a third process (`worker`) or by the controller itself (`controller`). The load runs for
// `--settle` ms before the API starts. Measured: enqueue() call → result() resolved, and where
// the time went (each process timestamps its store calls on the shared wall clock). One JSON line.
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { redisUrl, uniqueName } from '../lib/common.ts';
import { killOnExit, spawnNode, type Line, type Node } from './processes.ts';
import { dropStore, prepareStore, storeKind, wallNow } from './stores.ts';

const { values } = parseArgs({
  options: {
    store: { type: 'string' },
    load: { type: 'string', default: 'none' },
    rate: { type: 'string', default: '1000' },
    commands: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '50' },
    settle: { type: 'string', default: '3000' },
    /** Scheduler options (JSON) for every node of a tuned variant, e.g. '{"pollInterval":"100ms"}'. */
    options: { type: 'string', default: '{}' },
    variant: { type: 'string', default: 'default' },
    /** SqliteStore watchIntervalMs for every node (tuned variant); default: the store's (50 ms). */
    'sqlite-watch-ms': { type: 'string' },
    /** Scheduler options (JSON) for the process that runs the bulk jobs only (tuned variant). */
    'bulk-options': { type: 'string', default: '{}' },
    /** How the API learns a command's end: result (the figure) or poll (getJob every 2 ms; a comparison). */
    'api-wait': { type: 'string', default: 'result' },
  },
});
const kind = storeKind(values.store);
const load = values.load === 'worker' || values.load === 'controller' ? values.load : 'none';
const rate = Number(values.rate);
const n = Number(values.commands);
const warmup = Number(values.warmup);
const name = uniqueName('ctl_rtt');
const script = new URL('command-node.ts', import.meta.url).pathname;
const watch = values['sqlite-watch-ms'];
const common = ['--store', kind, '--name', name, '--options', values.options, '--bulk-options', values['bulk-options'], ...(watch === undefined ? [] : ['--sqlite-watch-ms', watch])];
const bulkSettings = JSON.parse(values['bulk-options']) as Record<string, unknown>;
const settings = {
  ...(JSON.parse(values.options) as Record<string, unknown>),
  ...(watch === undefined ? {} : { sqliteWatchIntervalMs: Number(watch) }),
  ...(Object.keys(bulkSettings).length > 0 ? { bulkConsumer: bulkSettings } : {}),
  ...(values['api-wait'] === 'poll' ? { apiWait: 'poll getJob every 2 ms' } : {}),
};
const header = { scenario: 'round-trip', store: kind, load, variant: values.variant, settings };

type Times = Record<string, number | undefined> & { id: string };

/** [phase, from, to]: consecutive stretches of one command, from enqueue() to result(). */
const phases: [string, string, string][] = [
  ['enqueue', 'sent', 'enqueueEnd'],
  ['to claim', 'enqueueEnd', 'claimStart'],
  ['claim', 'claimStart', 'claimEnd'],
  ['to handler', 'claimEnd', 'runStart'],
  ['handler', 'runStart', 'runEnd'],
  ['to write', 'runEnd', 'writeStart'],
  ['write', 'writeStart', 'writeEnd'],
  ['to emit', 'writeEnd', 'emitted'],
  ['to append', 'emitted', 'appendStart'],
  ['append', 'appendStart', 'appendEnd'],
  ['to read', 'appendEnd', 'readStart'],
  ['read', 'readStart', 'readEnd'],
  ['to confirm', 'readEnd', 'confirmStart'],
  ['confirm', 'confirmStart', 'confirmEnd'],
  ['to resolve', 'confirmEnd', 'resolved'],
];
/**
 * The same, in the seven stretches the report shows: the API's write; until the controller sends
 * the claim (wake-up: notification or poll, then its loop); the claim and the handler; the
 * outcome write; the cluster event's append; until the API has read the event (wake-up and
 * read); the API's confirming read of the job record and the resolve.
 */
const stretches: [string, string, string][] = [
  ['API enqueue', 'sent', 'enqueueEnd'],
  ['wake-up → claim sent', 'enqueueEnd', 'claimStart'],
  ['claim + handler', 'claimStart', 'runEnd'],
  ['outcome write', 'runEnd', 'writeEnd'],
  ['event append', 'writeEnd', 'appendEnd'],
  ['event → API read', 'appendEnd', 'readEnd'],
  ['confirm + resolve', 'readEnd', 'resolved'],
];

const r2 = (value: number): number => Math.round(value * 100) / 100;
function stats(values: readonly number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length === 0 ? null : r2(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!));
  const mean = sorted.length === 0 ? null : r2(sorted.reduce((a, b) => a + b, 0) / sorted.length);
  return { n: sorted.length, min: at(0), p50: at(50), p90: at(90), p99: at(99), max: at(100), mean };
}

/** The whole machine's CPU (all processes, the servers included), sampled every 100 ms from /proc/stat. */
const machineCpu: [number, number, number][] = [];
const readCpu = () => {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3]! + (fields[4] ?? 0);
  const total = fields.reduce((a, b) => a + b, 0);
  machineCpu.push([wallNow(), total - idle, total]);
};
const cpuSampler = setInterval(readCpu, 100);
cpuSampler.unref();
/** Busy share of all cores between the samples nearest `from` and `to`, in percent of one core × cores. */
function machineBusy(from: number, to: number): number | null {
  const first = machineCpu.find(([t]) => t >= from);
  const last = machineCpu.findLast(([t]) => t <= to);
  if (!first || !last || last[2] <= first[2]) return null;
  return Math.round(((last[1] - first[1]) / (last[2] - first[2])) * 100);
}

const redisPort = new URL(redisUrl).port || '6379';
/** CPU ticks of the PostgreSQL and Redis server processes, per pid (/proc/<pid>/stat, utime + stime). */
function serverTicks(): Map<string, { comm: string; ticks: number }> {
  const out = new Map<string, { comm: string; ticks: number }>();
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (comm !== 'postgres' && comm !== 'redis-server') continue;
      // Only the Redis server the bench uses (another one on this machine is someone else's).
      if (comm === 'redis-server' && !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`:${redisPort}`)) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, { comm, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
/** Percent of one core used by each server between two snapshots (pids alive at both; 100 ticks/s). */
function serverCpu(before: Map<string, { comm: string; ticks: number }>, after: Map<string, { comm: string; ticks: number }>, seconds: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [pid, { comm, ticks }] of after) {
    const start = before.get(pid);
    if (start) out[comm] = (out[comm] ?? 0) + ticks - start.ticks;
  }
  for (const comm of Object.keys(out)) out[comm] = Math.round(out[comm]! / seconds);
  return out;
}

const guard = setTimeout(() => {
  process.stdout.write(`${JSON.stringify({ ...header, error: 'case timed out (own guard)' })}\n`);
  process.exit(2);
}, 240_000);
guard.unref();

const nodes: Node[] = [];
killOnExit(nodes);
try {
  await prepareStore(kind, name);
  const controller = spawnNode('controller', script, ['--role', 'controller', ...common, ...(load === 'controller' ? ['--serve-bulk'] : [])]);
  nodes.push(controller);
  const worker = load === 'worker' ? spawnNode('worker', script, ['--role', 'worker', ...common]) : null;
  if (worker) nodes.push(worker);
  await Promise.all(nodes.map((node) => node.waitFor((l) => l.event === 'ready', 30_000, 'ready')));
  const loader = load === 'none' ? null : spawnNode('load', script, ['--role', 'load', ...common, '--rate', String(rate)]);
  if (loader) {
    nodes.push(loader);
    await loader.waitFor((l) => l.event === 'ready', 30_000, 'ready');
    await new Promise((resolve) => setTimeout(resolve, Number(values.settle)));
  }
  const api = spawnNode('api', script, ['--role', 'api', ...common, '--commands', String(n), '--warmup', String(warmup), '--api-wait', values['api-wait']]);
  nodes.push(api);
  await api.waitFor((l) => l.event === 'measuring', 120_000, 'the end of the warm-up');
  const serversBefore = serverTicks();
  const done = await api.waitFor((l) => l.event === 'done', 200_000, 'the commands');
  const serversAfter = serverTicks();
  const from = done.from as number;
  const to = done.to as number;
  const others = nodes.filter((node) => node !== api);
  for (const node of others) node.send({ cmd: 'report', from, to });
  const reports = new Map<string, Line>();
  for (const node of others) reports.set(node.name, await node.waitFor((l) => l.event === 'report', 15_000, 'report'));

  // Join each command's halves: the API's (enqueue, event read, confirming read, resolve) and
  // the controller's (claim, handler, outcome write, event append).
  const controllerTimes = new Map(((reports.get('controller')!.commands as Times[]) ?? []).map((c) => [c.id, c]));
  const joined = (done.commands as Times[]).map((c) => ({ ...controllerTimes.get(c.id), ...c }) as Times);
  const latency = joined.map((c) => c.resolved! - c.sent!);
  // The push path: the confirming read followed the event read. Otherwise another read of the
  // waiter answered (its first check, when the job ended during it, or a safety read).
  const pushed = joined.filter((c) => c.readEnd !== undefined && c.confirmStart !== undefined && c.confirmStart >= c.readEnd);
  const phaseOf = (c: Times, [, a, b]: [string, string, string]) => (c[a] === undefined || c[b] === undefined ? null : c[b]! - c[a]!);
  const statsOf = (list: [string, string, string][], of: Times[]) =>
    Object.fromEntries(list.map((phase) => [phase[0], stats(of.map((c) => phaseOf(c, phase)).filter((v): v is number => v !== null))]));
  // What the slowest 10 % spent in each stretch (mean), beside the median command.
  const p90 = stats(latency).p90 ?? Infinity;
  const slow = pushed.filter((c) => c.resolved! - c.sent! >= p90);
  const meansOf = (list: [string, string, string][]) => Object.fromEntries(Object.entries(statsOf(list, slow)).map(([key, value]) => [key, value.mean]));
  // The controller's first 'jobs' signal after each enqueue write began: how soon it heard.
  const signals = ((reports.get('controller')!.jobSignals as number[]) ?? []).sort((a, b) => a - b);
  const heard = joined.flatMap((c) => {
    const at = signals.find((s) => s >= c.enqueueStart!);
    return at === undefined ? [] : [at - c.enqueueEnd!];
  });
  const seconds = (to - from) / 1000;
  const perProcess: [string, Line][] = [['api', done], ...reports];
  const processes = Object.fromEntries(perProcess.map(([role, line]) => [role, { cpuPercent: line.cpuPercent as number, signals: line.signals as number, storeCalls: line.storeCalls }]));
  const busy = machineBusy(from, to);
  const servers = serverCpu(serversBefore, serversAfter, seconds);
  // What else ran on the machine meanwhile (other users' work): all cores' busy time less this
  // case's processes and the database servers, in percent of one core.
  const ours = Object.values(processes).reduce((sum, p) => sum + p.cpuPercent, 0) + Object.values(servers).reduce((a, b) => a + b, 0);
  const foreignCpuPercent = busy === null ? null : Math.max(0, Math.round(busy * cpus().length - ours));
  const consumer = load === 'none' ? null : reports.get(load)!;
  process.stdout.write(`${JSON.stringify({
    ...header,
    commands: n,
    warmup,
    windowSeconds: Math.round(seconds * 10) / 10,
    /** Busy share of the machine's cores over the window (100 = every core busy), all processes. */
    machineBusyPercent: busy,
    /** CPU of the database servers over (about) the window, in percent of one core. */
    serverCpuPercent: servers,
    /** CPU used by processes outside this case (percent of one core): the machine's noise. */
    foreignCpuPercent,
    latenciesMs: latency.map(r2),
    latencyMs: stats(latency),
    warmupMs: { first10: (done.warmupMs as number[]).slice(0, 10), ...stats(done.warmupMs as number[]) },
    resolvedByEvent: pushed.length,
    resolvedByOtherRead: joined.length - pushed.length,
    stretchesMs: statsOf(stretches, pushed),
    slowest10PercentStretchesMeanMs: meansOf(stretches),
    phasesMs: statsOf(phases, pushed),
    slowest10PercentPhasesMeanMs: meansOf(phases),
    controllerHeardJobAfterMs: stats(heard),
    background: loader
      ? {
          targetPerSecond: rate,
          consumer: load,
          enqueuedPerSecond: reports.get('load')!.perSecond,
          completedPerSecond: consumer!.perSecond,
          backlogAtEnd: Math.round((reports.get('load')!.countAtEnd as number) - (consumer!.countAtEnd as number)),
          bulkPickupMs: consumer!.bulkPickupMs,
        }
      : null,
    processes,
  })}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ ...header, error: error instanceof Error ? error.message : String(error) })}\n`);
  process.exitCode = 1;
} finally {
  await Promise.all(nodes.map((node) => node.kill()));
  await dropStore(kind, name).catch(() => undefined);
}
process.exit();
