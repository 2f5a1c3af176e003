// Runs every scenario for Sundial on each store and for each peer on the same servers, interleaved
// (A B C … then again, in a rotated order), each case in a fresh OS process, then writes the report.
//
//   node bench/src/run.ts            full: 3 repetitions (scenario 6: 1), full counts
//   node bench/src/run.ts --quick    smoke run: 1 repetition, counts ÷10 (< 3 minutes)
//   node bench/src/run.ts --only fire-burst,latency   some scenarios only
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, platform, release } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { pgConnection, redisUrl } from './lib/common.ts';
import { writeReport } from './report/write-report.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, reps: { type: 'string' }, 'report-only': { type: 'boolean', default: false } } });
const quick = values.quick;
const repetitions = Number(values.reps ?? (quick ? 1 : 3));
const only = values.only?.split(',');

interface Entry { scenario: string; system: string; variant: string; concurrency?: number }
const sundial = ['sundial-sqlite', 'sundial-postgres', 'sundial-redis'];
const peers = ['bullmq', 'pg-boss', 'graphile-worker'];
// Quick mode runs only the fast path of pg-boss and graphile-worker, to stay under 3 minutes.
// Sundial's fast variant (prefetch) runs in full mode only, beside its defaults.
const variantsOf = (system: string): string[] => {
  if (system === 'pg-boss' || system === 'graphile-worker') return quick ? ['fast'] : ['default', 'fast'];
  if (system.startsWith('sundial-') && !quick) return ['default', 'fast'];
  return ['default'];
};
const both = (systems: string[]) => systems.flatMap((system) => variantsOf(system).map((variant) => ({ system, variant })));
const plan: { scenario: string; entries: Entry[]; reps?: number; timeoutMs: number }[] = [
  { scenario: 'enqueue', entries: [...sundial, ...peers].map((system) => ({ scenario: 'enqueue', system, variant: 'default' })), timeoutMs: 300_000 },
  ...[10, 50].map((concurrency) => ({ scenario: `process-${concurrency}`, entries: both([...sundial, ...peers]).map((e) => ({ ...e, scenario: 'process', concurrency })), timeoutMs: 300_000 })),
  { scenario: 'fire-burst', entries: both([...sundial, ...peers]).map((e) => ({ ...e, scenario: 'fire-burst' })), timeoutMs: 300_000 },
  // Jobs enqueued to run at one instant: the peers' one-shots already are delayed jobs (fire-burst).
  { scenario: 'delayed-burst', entries: both(sundial).map((e) => ({ ...e, scenario: 'delayed-burst' })), timeoutMs: 300_000 },
  { scenario: 'recurrent', entries: [...sundial, 'bullmq', 'croner', 'pg-boss', 'graphile-worker'].map((system) => ({ scenario: 'recurrent', system, variant: 'default' })), timeoutMs: 180_000 },
  { scenario: 'nodes', entries: [...sundial, ...peers].map((system) => ({ scenario: 'nodes', system, variant: 'default' })), timeoutMs: 180_000 },
  // Quick mode skips BullMQ's default takeover (30 s lock + 30 s stalled check: up to a minute).
  { scenario: 'takeover', entries: [...sundial, ...peers].flatMap((system) => ['default', 'fast'].map((variant) => ({ scenario: 'takeover', system, variant }))).filter((e) => !(quick && e.system === 'bullmq' && e.variant === 'default')), timeoutMs: 200_000 },
  { scenario: 'scale', entries: [...sundial, 'bullmq', 'pg-boss', 'graphile-worker'].map((system) => ({ scenario: 'scale', system, variant: system === 'pg-boss' || system === 'graphile-worker' ? 'fast' : 'default' })), reps: 1, timeoutMs: 1_200_000 },
  { scenario: 'latency', entries: both([...sundial, ...peers]).map((e) => ({ ...e, scenario: 'latency' })), timeoutMs: 120_000 },
];

const resultsDir = new URL('../results/', import.meta.url);
mkdirSync(resultsDir, { recursive: true });
const rawFile = new URL(quick ? 'quick.jsonl' : 'full.jsonl', resultsDir);
if (values['report-only']) {
  console.log(`wrote ${writeReport(rawFile, quick)}`);
  process.exit(0);
}
const inPlan = (step: string) => !only || only.includes(step) || only.includes(step.replace(/-\d+$/, ''));
// With --only, the other steps' lines of the previous run are kept (the report covers them all).
const kept = only && existsSync(rawFile)
  ? readFileSync(rawFile, 'utf8').split('\n').filter((line) => line.startsWith('{') && !('machine' in JSON.parse(line)) && !inPlan(String((JSON.parse(line) as { step?: string }).step)))
  : [];
writeFileSync(rawFile, '');

const machine = await describeMachine();
appendFileSync(rawFile, `${JSON.stringify({ machine })}\n`);
for (const line of kept) appendFileSync(rawFile, `${line}\n`);
console.log(`machine: ${JSON.stringify(machine)}`);

const startedAt = Date.now();
for (const step of plan) {
  if (!inPlan(step.scenario)) continue;
  const reps = Math.min(repetitions, step.reps ?? repetitions);
  for (let rep = 0; rep < reps; rep++) {
    // Rotate the order each repetition so no system always runs first (or right after another).
    const entries = step.entries.map((_, i) => step.entries[(i + rep) % step.entries.length]!);
    for (const entry of entries) {
      const line = await runCase(entry, step.timeoutMs);
      const record = { step: step.scenario, rep, at: new Date().toISOString(), ...line };
      appendFileSync(rawFile, `${JSON.stringify(record)}\n`);
      console.log(`[${Math.round((Date.now() - startedAt) / 1000)} s] ${step.scenario} ${entry.system}/${entry.variant} #${rep + 1}: ${JSON.stringify(line).slice(0, 300)}`);
    }
  }
}
const reportFile = writeReport(rawFile, quick);
console.log(`wrote ${reportFile} in ${Math.round((Date.now() - startedAt) / 1000)} s`);

function runCase(entry: Entry, timeoutMs: number): Promise<Record<string, unknown>> {
  const caseArgs = ['--expose-gc', new URL('case.ts', import.meta.url).pathname, '--system', entry.system, '--scenario', entry.scenario, '--variant', entry.variant];
  if (entry.concurrency) caseArgs.push('--concurrency', String(entry.concurrency));
  if (quick) caseArgs.push('--quick');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, caseArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BENCH_CASE_TIMEOUT_MS: String(timeoutMs) } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const last = stdout.split('\n').filter((l) => l.startsWith('{')).at(-1);
      if (last) return resolve({ ...entry, ...(JSON.parse(last) as Record<string, unknown>) });
      resolve({ ...entry, error: `exit ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` });
    });
  });
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
    mode: quick ? 'quick (1 repetition, counts ÷10; scale: 10,000 stored)' : `full (${repetitions} repetitions; scale: 1 repetition)`,
  };
}
