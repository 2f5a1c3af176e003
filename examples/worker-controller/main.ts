// The one command: node examples/worker-controller/main.ts
//
// Starts the fake cloud (in this process), then the API node and two controller nodes as child
// processes sharing one store (a SQLite file in a temporary folder, or SUNDIAL_STORE), prints
// where they are and what to try, and passes their output on, each line prefixed with
// `[name]`. Ctrl-C (or SIGTERM) stops them all and waits until each has exited.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { serveFakeCloud } from './fake-cloud.ts';
import { readSettings, storeFromUrl, type Settings } from './settings.ts';

interface Child {
  name: string;
  process: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running: boolean;
}

const settings = settingsOrExit();
const here = fileURLToPath(new URL('.', import.meta.url));
const temporary = settings.storeUrl === undefined ? mkdtempSync(join(tmpdir(), 'sundial-worker-controller-')) : null;
const storeUrl = settings.storeUrl ?? `sqlite:${join(temporary!, 'sundial.db')}`;
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

// The store's tables exist before three processes race to create them.
try {
  const store = await storeFromUrl(storeUrl);
  await store.open();
  await store.close();
} catch (error) {
  process.stderr.write(`Could not open the store ${storeUrl}: ${(error as Error).message}\n`);
  if (temporary !== null) rmSync(temporary, { recursive: true, force: true });
  process.exit(2);
}

const cloud = await serveFakeCloud({
  seed: settings.seed,
  churnEveryMs: settings.churnEveryMs,
  licenseFailureRate: settings.licenseFailureRate,
  onChange: (change, fields) => print('cloud', JSON.stringify({ event: change, ...fields })),
});

function start(name: string, file: string, onEvent: (event: Record<string, unknown>) => void = () => {}): Child {
  const child = spawn(process.execPath, [join(here, file)], {
    env: { ...process.env, SUNDIAL_STORE: storeUrl, FAKE_CLOUD_URL: cloud.url, NODE_NAME: name },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    print(name, line);
    const event = parseEvent(line);
    if (event !== null) onEvent(event);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => {
    // node:sqlite still prints an ExperimentalWarning on Node 24.
    if (!/ExperimentalWarning|--trace-warnings/.test(line)) process.stderr.write(`[${name}] ${line}\n`);
  });
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
    return null; // not one of the processes' event lines: passed on as it is, nothing to act on
  }
}

/** Stops every process still running and waits for them; every call gets the same stop. */
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
  await cloud.close();
  if (temporary !== null) rmSync(temporary, { recursive: true, force: true });
  const clean = outcomes.every(({ code }) => code === 0);
  say('stopped', { clean });
  process.exitCode = clean ? 0 : 1;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopAll(signal));

const apiUrl = await new Promise<string | null>((resolve) => {
  const api = start('api', 'api-node.ts', (event) => {
    if (event['event'] === 'listening') resolve(String(event['url']));
  });
  void api.exited.then(() => resolve(null));
});
if (apiUrl === null) {
  const failed = stopping === null; // else a signal stopped the start, and the processes' exits decide
  await stopAll('the API process exited before it listened');
  if (failed) process.exitCode = 1;
} else {
  for (const name of ['controller-1', 'controller-2']) {
    start(name, 'controller-node.ts', (event) => {
      if (event['event'] === 'elected') say('leader', { name, node: event['node'], term: event['term'], hint: `kill -9 ${String(event['node']).split(':').at(-1)} to see the other controller take over` });
    });
  }
  say('ready', { api: apiUrl, cloud: cloud.url, store: storeUrl });
  printTryIt(apiUrl);
}

function printTryIt(apiUrl: string): void {
  process.stdout.write(`
  Sundial worker controller (ADR-011): one API node, two controller nodes, one store.

    API          ${apiUrl}
    fake cloud   ${cloud.url}
    store        ${storeUrl}

  Try, in another terminal:
    export API=${apiUrl} CLOUD=${cloud.url}
    curl -N $API/events                                       # SSE: command results, leader elections
    curl -X POST $API/workers/i-1/register-license            # runs on a controller; answers with its result
    curl -X POST "$API/workers/i-2/refresh-data?async=1"      # 202 at once; the result arrives on /events
    curl $API/workers                                         # what the controller found (CPU, idle, licence)
    curl -X PUT $CLOUD/instances/i-3/state -d '{"state":"idle"}'   # then watch for idle-detected
    kill -9 <pid of the leader>                               # see [main] leader lines; the other takes over

  One more controller on the same store:
    SUNDIAL_STORE='${storeUrl}' FAKE_CLOUD_URL=${cloud.url} node ${join(here, 'controller-node.ts')}

  Ctrl-C stops everything.

`);
}
