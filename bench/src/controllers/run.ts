// The controller benchmarks — leader failover and command round trip — on SQLite, PostgreSQL and
// Redis, each case in a fresh OS process (which starts the case's own contender / node processes),
// stores interleaved and their order rotated each repetition. Raw lines go to
// bench/results/controllers-<date>[-quick].jsonl, the tables to a section of bench/CONTROLLERS.md.
//
//   node bench/src/controllers/run.ts             full: failover 5 repetitions (SIGTERM: 3), round trip 2 × 500 commands + tuned variants (10–12 min here)
//   node bench/src/controllers/run.ts --quick     smoke run: 1 repetition, 200 commands, no tuned variants, graceful handover with the 2 s lease only (< 3 minutes)
//   node bench/src/controllers/run.ts --only failover        one of the two benchmarks
//   node bench/src/controllers/run.ts --report-only bench/results/controllers-2026-12-01.jsonl
//
// The machine is shared: before each case the runner waits (a bounded time) for the machine to be
// quiet, and every line records how busy it was.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { pgConnection, redisUrl } from '../lib/common.ts';
import { writeControllersSection } from './report.ts';
import { storeKinds } from './stores.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, reps: { type: 'string' }, 'report-only': { type: 'string' } } });
const quick = values.quick;
const only = values.only?.split(',');
const resultsDir = new URL('../../results/', import.meta.url);
const markdown = new URL('../../CONTROLLERS.md', import.meta.url);

if (values['report-only']) {
  const file = new URL(values['report-only'], `file://${process.cwd()}/`);
  console.log(`wrote ${writeControllersSection(file, markdown, file.pathname.endsWith('-quick.jsonl'))}`);
  process.exit(0);
}

interface Case { step: 'failover' | 'round-trip'; label: string; script: string; args: string[]; timeoutMs: number }
const failoverReps = Number(values.reps ?? (quick ? 1 : 5));
/** The graceful handover (SIGTERM) is bounded by one read period: fewer repetitions in full mode. */
const handoverReps = Number(values.reps ?? (quick ? 1 : 3));
const roundTripReps = Number(values.reps ?? (quick ? 1 : 2));
const commands = quick ? 200 : 500;
const leases = [5000, 2000];
const modes = ['kill', 'term'];
/**
 * Round-trip variants: the background load, and (full mode) tuned variants and one comparison.
 * `reps`: repetitions in full mode (quick: 1). The bulk jobs run on a third process (`worker`);
 * `--load controller` (bulk run by the controller itself) is available to command-round-trip.ts
 * but not in the plan, to keep a full run under 15 minutes.
 */
const roundTripVariants: { store?: string; load: string; variant: string; args: string[]; reps: number }[] = [
  { load: 'none', variant: 'default', args: [], reps: 2 },
  { load: 'worker', variant: 'default', args: [], reps: 2 },
  ...(quick
    ? []
    : [
        // SQLite's wake-ups come from polling the file's data_version every 50 ms, twice per round trip.
        { store: 'sqlite', load: 'none', variant: 'watch 10ms', args: ['--sqlite-watch-ms', '10'], reps: 1 },
        { store: 'sqlite', load: 'worker', variant: 'watch 10ms', args: ['--sqlite-watch-ms', '10'], reps: 1 },
        // With defaults the PostgreSQL worker falls behind 1,000 jobs/s here: prefetch, its documented fast path.
        { store: 'postgres', load: 'worker', variant: 'bulk prefetch 100', args: ['--bulk-options', '{"prefetch":100}'], reps: 1 },
        // A comparison, not a Sundial figure: the API polls getJob every 2 ms instead of result(),
        // so that no node appends job.succeeded to the cluster event log.
        { store: 'postgres', load: 'worker', variant: 'API polls getJob', args: ['--api-wait', 'poll'], reps: 1 },
      ]),
];

const rotate = <T,>(items: readonly T[], by: number): T[] => items.map((_, i) => items[(i + by) % items.length]!);
const plan: { step: Case['step']; rep: number; cases: Case[] }[] = [];
for (let rep = 0; rep < failoverReps; rep++) {
  const cases = rotate(storeKinds, rep).flatMap((store) =>
    leases.flatMap((lease) =>
      // Quick mode: the graceful handover with the 2 s lease only (to stay under 3 minutes).
      modes.filter((mode) => !(quick && mode === 'term' && lease !== 2000) && !(mode === 'term' && rep >= handoverReps)).map((mode): Case => ({
        step: 'failover',
        label: `${store} lease ${lease} ${mode}`,
        script: 'failover.ts',
        args: ['--store', store, '--lease', String(lease), '--mode', mode],
        timeoutMs: 120_000,
      })),
    ),
  );
  plan.push({ step: 'failover', rep, cases });
}
for (let rep = 0; rep < roundTripReps; rep++) {
  const cases = rotate(storeKinds, rep).flatMap((store) =>
    roundTripVariants
      .filter((variant) => (variant.store === undefined || variant.store === store) && rep < (values.reps || quick ? roundTripReps : variant.reps))
      .map((variant): Case => ({
        step: 'round-trip',
        label: `${store} load ${variant.load} ${variant.variant}`,
        script: 'command-round-trip.ts',
        args: ['--store', store, '--load', variant.load, '--variant', variant.variant, '--commands', String(commands), '--warmup', '50', '--settle', '2000', ...variant.args],
        timeoutMs: 240_000,
      })),
  );
  plan.push({ step: 'round-trip', rep, cases });
}

mkdirSync(resultsDir, { recursive: true });
const date = new Date().toISOString().slice(0, 10);
const rawFile = new URL(`controllers-${date}${quick ? '-quick' : ''}.jsonl`, resultsDir);
// With --only, the other step's lines of an earlier run of the same day and mode are kept (the section covers both).
const kept = only && existsSync(rawFile)
  ? readFileSync(rawFile, 'utf8').split('\n').filter((line) => line.startsWith('{') && !('machine' in (JSON.parse(line) as object)) && !only.includes(String((JSON.parse(line) as { step?: string }).step)))
  : [];
writeFileSync(rawFile, '');
const machine = await describeMachine();
appendFileSync(rawFile, `${JSON.stringify({ machine })}\n`);
for (const line of kept) appendFileSync(rawFile, `${line}\n`);
console.log(`machine: ${JSON.stringify(machine)}`);

const startedAt = Date.now();
/** Total time the quiet gate may wait over the whole run. */
let gateBudgetMs = quick ? 5_000 : 45_000;
for (const { step, rep, cases } of plan) {
  if (only && !only.includes(step)) continue;
  for (const entry of cases) {
    const gate = await quietMachine(Math.min(gateBudgetMs, quick ? 2_000 : 10_000));
    gateBudgetMs -= gate.waitedMs;
    // The library is read from src/ by each case: which version this case ran (src/ may change during a run).
    const source = sourceVersion();
    const line = await runCase(entry);
    const record = { step, rep, at: new Date().toISOString(), label: entry.label, source, busyBeforePercent: gate.busyPercent, gateWaitedMs: gate.waitedMs, loadAverage: loadavg()[0], ...line };
    appendFileSync(rawFile, `${JSON.stringify(record)}\n`);
    console.log(`[${Math.round((Date.now() - startedAt) / 1000)} s] ${step} #${rep + 1} ${entry.label}: ${summaryOf(line)}`);
  }
}
console.log(`wrote ${rawFile.pathname} and ${writeControllersSection(rawFile, markdown, quick)} in ${Math.round((Date.now() - startedAt) / 1000)} s`);

function summaryOf(line: Record<string, unknown>): string {
  if (typeof line.error === 'string') return `error: ${line.error}`;
  if (line.scenario === 'failover') return `failover ${String(line.failoverMs)} ms (elected ${String(line.electedMs)} ms)`;
  const latency = line.latencyMs as Record<string, number>;
  const background = line.background as Record<string, unknown> | null;
  return `p50 ${latency.p50} p90 ${latency.p90} p99 ${latency.p99} max ${latency.max} ms${background ? `; load ${String(background.enqueuedPerSecond)}/${String(background.completedPerSecond)} jobs/s` : ''}; machine busy ${String(line.machineBusyPercent)} %`;
}

function runCase(entry: Case): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [new URL(entry.script, import.meta.url).pathname, ...entry.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), entry.timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const last = stdout.split('\n').filter((l) => l.startsWith('{')).at(-1);
      if (last) return resolve(JSON.parse(last) as Record<string, unknown>);
      resolve({ error: `exit ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` });
    });
  });
}

/** Busy share of all cores over `ms` (from /proc/stat). */
async function machineBusy(ms: number): Promise<number> {
  const read = () => {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = fields[3]! + (fields[4] ?? 0);
    const total = fields.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  };
  const before = read();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = read();
  return after.total === before.total ? 0 : Math.round(((after.busy - before.busy) / (after.total - before.total)) * 100);
}

/** Waits until the machine is under 25 % busy (other users' work), or `maxWaitMs` has passed. */
async function quietMachine(maxWaitMs: number): Promise<{ busyPercent: number; waitedMs: number }> {
  const started = Date.now();
  for (;;) {
    const busyPercent = await machineBusy(500);
    const waitedMs = Date.now() - started;
    if (busyPercent < 25 || waitedMs >= maxWaitMs) return { busyPercent, waitedMs };
  }
}

/** The Sundial under test: the git commit, and a hash of everything under src/ (committed or not). */
function sourceVersion(): { commit: string; srcHash: string; uncommitted: boolean } {
  const root = new URL('../../../', import.meta.url).pathname;
  const git = (...gitArgs: string[]) => execFileSync('git', ['-C', root, ...gitArgs], { encoding: 'utf8' }).trim();
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(`${root}${dir}`, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else hash.update(path).update(readFileSync(`${root}${path}`));
    }
  };
  walk('src');
  return { commit: git('rev-parse', '--short', 'HEAD'), srcHash: hash.digest('hex').slice(0, 12), uncommitted: git('status', '--porcelain', '--', 'src').length > 0 };
}

async function describeMachine(): Promise<Record<string, unknown>> {
  const client = new pg.Client(pgConnection);
  await client.connect();
  const pgVersion = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version;
  await client.end();
  const redis = new Redis(redisUrl);
  const info = await redis.info('server');
  redis.disconnect();
  return {
    date: new Date().toISOString(),
    cores: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    postgres: pgVersion,
    redis: /redis_version:(\S+)/.exec(info)?.[1],
    source: sourceVersion(),
    mode: quick
      ? `quick (failover: ${failoverReps} repetition, graceful handover with the 2 s lease only; round trip: ${roundTripReps} × ${commands} commands, no tuned variants)`
      : `full (failover: ${failoverReps} repetitions after SIGKILL, ${handoverReps} after SIGTERM; round trip: ${commands} commands per run, ${roundTripReps} runs of the default variants, 1 of the tuned ones)`,
  };
}
