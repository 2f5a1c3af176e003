// The one command: node examples/bookings/main.ts
//
// Creates the schemas (the bookings' tables, Sundial's store) once, then starts the replicas
// (three by default) as child processes on one PostgreSQL, the first with Sundial's dashboard,
// prints their URLs and what to try, and passes their output on, each line prefixed with
// `[name]`. Ctrl-C (or SIGTERM) stops them all and waits until each has exited.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PostgresStore } from '../../src/postgres/index.ts';
import { BookingRepository } from './booking-repository.ts';
import { readSettings, type Settings } from './settings.ts';

interface Child {
  name: string;
  process: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running: boolean;
}

const settings = settingsOrExit();
const here = fileURLToPath(new URL('.', import.meta.url));
const children: Child[] = [];
let stopping: Promise<void> | null = null;

function settingsOrExit(): Settings {
  try {
    return readSettings();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
}

const print = (name: string, line: string) => process.stdout.write(`[${name}] ${line}\n`);
const say = (event: string, fields: Record<string, unknown> = {}) => print('main', JSON.stringify({ event, ...fields }));

// Both schemas exist before the replicas race to create them.
try {
  const client = new pg.Client({ connectionString: settings.databaseUrl });
  await client.connect();
  try {
    await new BookingRepository(settings.bookingsSchema).migrate(client);
  } finally {
    await client.end();
  }
  const store = new PostgresStore({ connectionString: settings.databaseUrl, schema: settings.sundialSchema });
  await store.open();
  await store.close();
} catch (error) {
  process.stderr.write(`Could not prepare the database ${redacted(settings.databaseUrl)}: ${(error as Error).message}\n`);
  process.exit(2);
}

function start(name: string, env: Record<string, string>, onEvent: (event: Record<string, unknown>) => void): Child {
  const child = spawn(process.execPath, [join(here, 'replica.ts')], {
    env: { ...process.env, ...env, NODE_NAME: name },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    print(name, line);
    const event = parseEvent(line);
    if (event !== null) onEvent(event);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => process.stderr.write(`[${name}] ${line}\n`));
  const entry: Child = {
    name,
    process: child,
    running: true,
    exited: new Promise((resolve) =>
      // 'close', not 'exit': every line the process wrote has been passed on by then.
      child.once('close', (code, signal) => {
        entry.running = false;
        say('exited', { name, pid: child.pid, code, signal });
        resolve({ code, signal });
      }),
    ),
  };
  say('spawned', { name, pid: child.pid });
  children.push(entry);
  return entry;
}

function parseEvent(line: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null; // not one of the replicas' event lines: passed on as it is, nothing to act on
  }
}

/** Stops every replica still running and waits for them; every call gets the same stop. */
function stopAll(reason: string): Promise<void> {
  stopping ??= stopNow(reason);
  return stopping;
}

async function stopNow(reason: string): Promise<void> {
  say('stopping', { reason });
  const stoppedHere = children.filter((child) => child.running);
  for (const child of stoppedHere) child.process.kill('SIGTERM');
  const force = setTimeout(() => {
    for (const child of stoppedHere) if (child.running) child.process.kill('SIGKILL');
  }, 30_000);
  const outcomes = await Promise.all(stoppedHere.map((child) => child.exited));
  clearTimeout(force);
  const clean = outcomes.every(({ code }) => code === 0);
  say('stopped', { clean });
  process.exitCode = clean ? 0 : 1;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopAll(signal));

const replicas = await Promise.all(
  Array.from({ length: settings.replicas }, (_, index) => {
    const name = `replica-${index + 1}`;
    return new Promise<{ name: string; url: string; admin?: string; pid: number } | null>((resolve) => {
      const child = start(name, { REPLICA_PORT: String(settings.port === 0 ? 0 : settings.port + index), BOOKINGS_ADMIN: index === 0 ? '1' : '0' }, (event) => {
        if (event['event'] === 'listening') {
          resolve({ name, url: String(event['url']), pid: child.process.pid!, ...(event['admin'] === undefined ? {} : { admin: String(event['admin']) }) });
        }
      });
      void child.exited.then(() => resolve(null));
    });
  }),
);
if (replicas.some((replica) => replica === null)) {
  const failed = stopping === null; // else a signal stopped the start, and the processes' exits decide
  await stopAll('a replica exited before it listened');
  if (failed) process.exitCode = 1;
} else {
  const ready = replicas.filter((replica) => replica !== null);
  say('ready', { replicas: ready, bookingsSchema: settings.bookingsSchema, sundialSchema: settings.sundialSchema });
  printTryIt(ready);
}

function printTryIt(ready: ReadonlyArray<{ name: string; url: string; admin?: string; pid: number }>): void {
  const first = ready[0]!;
  const ttl = `${settings.requestTtlMs / 1000} s`;
  process.stdout.write(`
  Sundial bookings (ADR-006): ${ready.length} replicas, one PostgreSQL (bookings in "${settings.bookingsSchema}", Sundial in "${settings.sundialSchema}").

${ready.map((replica) => `    ${replica.name}   ${replica.url}   (pid ${replica.pid})`).join('\n')}
    dashboard   ${first.admin ?? '-'}

  Try, in another terminal:
    export R1=${first.url} R2=${ready[1]?.url ?? first.url}
    curl -s -X POST $R1/bookings -H 'content-type: application/json' \\
      -d "{\\"tutor\\":\\"ada\\",\\"student\\":\\"bob\\",\\"startsAt\\":$(( $(date +%s) * 1000 + 15000 )),\\"endsAt\\":$(( $(date +%s) * 1000 + 20000 ))}"
    curl -s -X POST $R2/bookings/<id>/confirm      # within ${ttl}, else it has expired (409)
    curl -s $R1/bookings/<id>                      # the booking and its events: which replica applied each
    kill -9 <pid of a replica>                     # its jobs run on the others after the lease (${settings.leaseMs / 1000} s)

  Ctrl-C stops everything.

`);
}

function redacted(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
