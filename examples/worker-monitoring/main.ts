// The one command: node examples/worker-monitoring/main.ts --interval 2s
//
// Serves the fake cloud (in this process, so both replicas see one cloud), prepares the workers'
// SQLite file in a temporary folder, spawns two replicas (replica-a, replica-b) on one Redis
// store, prints where their APIs listen, and passes their output on, each line prefixed with
// `[name]`. A replica that dies is started again on the same port, as a process manager would.
// Ctrl-C (or SIGTERM) stops them all and waits until each has exited.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serveFakeCloud } from './fake-cloud.ts';
import { durationMs, redisStore } from './settings.ts';
import { WorkerRepository } from './worker-repository.ts';

const usage = `Usage: node examples/worker-monitoring/main.ts [--interval 5m] [--redis redis://127.0.0.1:6379] [--prefix worker-monitoring] [--lease 3s]`;

interface Replica {
  name: string;
  port: number;
  url: string | null;
  process: ChildProcess | null;
  exited: Promise<void>;
  startedAtMs: number;
  quickDeaths: number;
}

const options = optionsOrExit();
const here = fileURLToPath(new URL('.', import.meta.url));
const storeUrl = `${options.redis}${options.redis.includes('?') ? '&' : '?'}prefix=${encodeURIComponent(options.prefix)}`;
const print = (name: string, line: string) => process.stdout.write(`[${name}] ${line}\n`);
const say = (event: string, fields: Record<string, unknown> = {}) => print('main', JSON.stringify({ event, ...fields }));

function optionsOrExit(): { intervalMs: number; leaseMs: number; redis: string; prefix: string } {
  try {
    const { values } = parseArgs({
      options: {
        interval: { type: 'string', default: '5m' },
        lease: { type: 'string', default: '3s' },
        redis: { type: 'string', default: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379' },
        prefix: { type: 'string', default: 'worker-monitoring' },
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help) {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    }
    return { intervalMs: durationMs(values.interval, '--interval'), leaseMs: durationMs(values.lease, '--lease'), redis: values.redis, prefix: values.prefix };
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);
    process.exit(2);
  }
}

// The store's scripts and the repository's table exist before two processes race to create them.
const temporary = mkdtempSync(join(tmpdir(), 'sundial-worker-monitoring-'));
const workerDbPath = join(temporary, 'workers.db');
try {
  new WorkerRepository(workerDbPath).close();
  const store = await redisStore(storeUrl);
  await store.open();
  await store.close();
} catch (error) {
  process.stderr.write(`Could not open the store ${storeUrl}: ${(error as Error).message}\n`);
  rmSync(temporary, { recursive: true, force: true });
  process.exit(2);
}

const cloud = await serveFakeCloud({ onChange: (change, fields) => print('cloud', JSON.stringify({ event: change, ...fields })) });
const replicas: Replica[] = ['replica-a', 'replica-b'].map((name) => ({ name, port: 0, url: null, process: null, exited: Promise.resolve(), startedAtMs: 0, quickDeaths: 0 }));
let stopping: Promise<void> | null = null;
let announced = false;

function start(replica: Replica): void {
  const child = spawn(process.execPath, [join(here, 'replica.ts')], {
    env: {
      ...process.env,
      NODE_NAME: replica.name,
      SUNDIAL_STORE: storeUrl,
      FAKE_CLOUD_URL: cloud.url,
      WORKER_DB: workerDbPath,
      PORT: String(replica.port),
      COLLECT_EVERY: `${options.intervalMs}ms`,
      SUNDIAL_LEASE: `${options.leaseMs}ms`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  replica.process = child;
  replica.startedAtMs = Date.now();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    print(replica.name, line);
    const event = parseEvent(line);
    if (event?.['event'] === 'listening') listening(replica, String(event['url']));
  });
  createInterface({ input: child.stderr! }).on('line', (line) => {
    // node:sqlite still prints an ExperimentalWarning on Node 24.
    if (!/ExperimentalWarning|--trace-warnings/.test(line)) process.stderr.write(`[${replica.name}] ${line}\n`);
  });
  replica.exited = new Promise((resolve) =>
    // 'close', not 'exit': every line the process wrote has been passed on by then.
    child.once('close', (code, signal) => {
      say('exited', { name: replica.name, pid: child.pid, code, signal });
      replica.process = null;
      resolve();
      if (stopping === null) restart(replica);
    }),
  );
  say('spawned', { name: replica.name, pid: child.pid, port: replica.port });
}

function listening(replica: Replica, url: string): void {
  replica.url = url;
  replica.port = Number(new URL(url).port); // a restart comes back on the same port
  replica.quickDeaths = 0;
  if (!announced && replicas.every((r) => r.url !== null)) {
    announced = true;
    const [a, b] = replicas.map((r) => r.url!);
    say('ready', { replicas: Object.fromEntries(replicas.map((r) => [r.name, r.url])), cloud: cloud.url, store: storeUrl, workerDb: workerDbPath, intervalMs: options.intervalMs });
    process.stdout.write(
      [
        '',
        `Replica A: ${a}    Replica B: ${b}    Fake cloud: ${cloud.url}`,
        `  curl -X POST ${a}/workers -d '{"instanceId":"i-1"}'      # register a worker: its collection schedule starts`,
        `  curl ${b}/workers                                       # every worker with its last metrics, from either replica`,
        `  curl -X POST ${cloud.url}/instances/i-1/terminate        # its schedule ends by itself at the next fire`,
        `  curl -X DELETE ${b}/workers/<id>                         # deregister: its schedule is removed`,
        `  kill -9 <pid of a replica>                               # main.ts starts it again; the other runs the fires meanwhile`,
        '',
      ].join('\n') + '\n',
    );
  } else if (announced) {
    say('restarted', { name: replica.name, url, pid: replica.process?.pid });
  }
}

/** Starts a dead replica again, after a second; gives up after three deaths in a row before it listened. */
function restart(replica: Replica): void {
  if (replica.url === null || Date.now() - replica.startedAtMs < 2_000) replica.quickDeaths++;
  if (replica.quickDeaths >= 3) {
    say('giving-up', { name: replica.name, reason: 'died three times in a row while starting' });
    void stopAll('a replica cannot start', 1);
    return;
  }
  replica.url = null;
  say('restarting', { name: replica.name, inMs: 1_000 });
  setTimeout(() => {
    if (stopping === null) start(replica);
  }, 1_000);
}

function parseEvent(line: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null; // not one of the replica's event lines: passed on as it is, nothing to act on
  }
}

/** Stops every replica still running and waits for them; every call gets the same stop. */
function stopAll(reason: string, exitCode = 0): Promise<void> {
  stopping ??= (async () => {
    say('stopping', { reason });
    const running = replicas.filter((r) => r.process !== null);
    for (const replica of running) replica.process!.kill('SIGTERM');
    const force = setTimeout(() => {
      for (const replica of running) replica.process?.kill('SIGKILL');
    }, 30_000);
    await Promise.all(running.map((r) => r.exited));
    clearTimeout(force);
    await cloud.close();
    rmSync(temporary, { recursive: true, force: true });
    say('stopped', { clean: exitCode === 0 });
    process.exitCode = exitCode;
  })();
  return stopping;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopAll(signal));
for (const replica of replicas) start(replica);
