// One Sundial node of a chaos run, in its own OS process (test/chaos/chaos-cluster.ts starts it).
//
//   node test/chaos/chaos-worker.ts <store> --out <file> --node-id <id> --connection-name <name>
//        --schedules <n> --start-at <epoch ms> [--concurrency 10] [--lease 3s] [--poll 500ms]
//   <store>: --sqlite <file> | --postgres <url> --schema <name> | --redis <url> --prefix <prefix>
//
// As an application should, it schedules the run's schedules at every start (`chaos-00` …,
// `every('1s', { startAt })`, unchanged from one start to the next), then starts the scheduler.
// While the store is unreachable (a server restart) it retries that start with a fresh Scheduler,
// as a supervisor would restart the process; it prints "ready" once started.
//
// Every handler appends one line when it starts and one when it ends (`start`, `end`, or `abort`
// when its signal fired) to the --out file with appendFileSync, so a SIGKILL loses nothing the
// handler had written. An `acked` line follows a `job.succeeded` event (the store accepted the
// outcome: it may be missing after a SIGKILL, never wrong). `missed` and `skipped` lines copy the
// schedule events and `upserted` lines the schedule() calls at start; they only help to say which
// fire went where. Connections carry --connection-name (PostgreSQL application_name, Redis client
// name), so the test kills only its own. SIGTERM stops the node gracefully (exit 0).
import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Scheduler, every, type Duration, type JobInfo, type Store } from '../../src/index.ts';
import { chaosTasks } from './chaos-tasks.ts';

const { values } = parseArgs({
  options: {
    sqlite: { type: 'string' },
    postgres: { type: 'string' },
    schema: { type: 'string' },
    redis: { type: 'string' },
    prefix: { type: 'string' },
    out: { type: 'string' },
    'node-id': { type: 'string' },
    'connection-name': { type: 'string' },
    schedules: { type: 'string' },
    'start-at': { type: 'string' },
    concurrency: { type: 'string', default: '10' },
    lease: { type: 'string', default: '3s' },
    poll: { type: 'string', default: '500ms' },
  },
});
const out = values.out;
const nodeId = values['node-id'];
const connectionName = values['connection-name'];
const scheduleCount = Number(values.schedules);
const startAtMs = Number(values['start-at']);
if (!out || !nodeId || !connectionName || !Number.isInteger(scheduleCount) || !Number.isFinite(startAtMs)) {
  throw new Error('usage: chaos-worker.ts <store> --out <file> --node-id <id> --connection-name <name> --schedules <n> --start-at <ms>');
}

/** How long this process keeps retrying its start while the store is unreachable. */
const startDeadlineMs = Date.now() + 30_000;

async function openStore(): Promise<Store> {
  if (values.sqlite) {
    const { SqliteStore } = await import('../../src/sqlite/index.ts');
    return new SqliteStore(values.sqlite, { busyTimeoutMs: 10_000 });
  }
  if (values.postgres && values.schema) {
    const { PostgresStore } = await import('../../src/postgres/index.ts');
    return new PostgresStore({ connectionString: values.postgres, schema: values.schema, poolConfig: { application_name: connectionName } });
  }
  if (values.redis && values.prefix) {
    const { RedisStore } = await import('../../src/redis/index.ts');
    return new RedisStore({ url: values.redis, prefix: values.prefix, redisOptions: { connectionName } });
  }
  throw new Error('usage: pass --sqlite <file>, --postgres <url> --schema <name>, or --redis <url> --prefix <prefix>');
}

function write(line: Record<string, unknown>): void {
  appendFileSync(out!, `${JSON.stringify({ ...line, node: nodeId, t: Date.now() })}\n`);
}

type JobFields = Pick<JobInfo, 'id' | 'fencingToken' | 'attempt' | 'scheduleId' | 'fireAtMs'>;

function jobLine(e: string, job: JobFields): Record<string, unknown> {
  return { e, job: job.id, tok: job.fencingToken, att: job.attempt, sch: job.scheduleId, fire: job.fireAtMs };
}

/** Handlers wait `ms` (from their data) honouring their signal: real work takes time, so SIGKILLs land mid-handler. */
const [tick, ondemand] = chaosTasks(async ({ job, data, signal }) => {
  write(jobLine('start', job));
  try {
    await waitOrAbort(data.ms, signal);
  } catch (error) {
    write({ ...jobLine('abort', job), reason: (error as Error).name });
    throw error;
  }
  write(jobLine('end', job));
});

function waitOrAbort(delayMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The run's schedules, the same at every start: an unchanged schedule must keep its next fire. */
function scheduleInputs() {
  return Array.from({ length: scheduleCount }, (_, i) => ({
    id: `chaos-${String(i).padStart(2, '0')}`,
    task: tick,
    data: { ms: 20 + ((i * 37) % 180) },
    trigger: every('1s', { startAt: startAtMs }),
  }));
}

async function startNode(): Promise<Scheduler> {
  for (let tryCount = 1; ; tryCount++) {
    const scheduler = new Scheduler({
      store: await openStore(),
      tasks: [tick, ondemand],
      nodeId,
      concurrency: Number(values.concurrency),
      lease: values.lease as Duration,
      pollInterval: values.poll as Duration,
      shutdownTimeout: '5s',
      logger: 'silent',
    });
    scheduler.on('job.succeeded', ({ job }) => write(jobLine('acked', job)));
    scheduler.on('schedule.missed', ({ scheduleId, fireAtMs, reason }) => write({ e: 'missed', sch: scheduleId, fires: fireAtMs, reason }));
    scheduler.on('schedule.skipped', ({ scheduleId, fireAtMs }) => write({ e: 'skipped', sch: scheduleId, fires: fireAtMs }));
    // Store errors are expected while connections are cut; the test counts them.
    scheduler.on('error', ({ error, during }) => process.stdout.write(`error during ${during}: ${error.message}\n`));
    try {
      for (const input of scheduleInputs()) {
        const record = await scheduler.schedule(input);
        write({ e: 'upserted', sch: record.id, next: record.nextFireAtMs });
      }
      await scheduler.start();
      return scheduler;
    } catch (error) {
      process.stdout.write(`start ${tryCount} failed: ${(error as Error).message}\n`);
      await scheduler.stop().catch(() => undefined);
      if (Date.now() > startDeadlineMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
}

const scheduler = await startNode();
process.once('SIGTERM', () => {
  scheduler
    .stop()
    .then(() => process.exit(0))
    .catch((error: unknown) => {
      process.stderr.write(`stop failed: ${String(error)}\n`);
      process.exit(1);
    });
});
write({ e: 'ready' });
process.stdout.write('ready\n');
