// End to end: examples/worker-controller/main.ts as a reader runs it — the fake cloud, an API
// process and two controller processes on one store (the default SQLite file in a temporary
// folder, then PostgreSQL) — driven over HTTP like a user would. Real processes, real clock:
// leases and samples are short (lease 2 s, a CPU sample every 300 ms) so the run stays short.
//
// Covered: a leader is elected; POST register-license answers 200 with the result after a retry
// (the licence server fails once), and the job ran on a controller node only (the API serves
// another queue); SSE shows the retry and the success; a new instance is discovered; an idle
// worker is detected by the reconcile loop and shown by GET /workers; a dead command answers 502,
// an async one 202; SIGKILL of the leader → the other controller leads and reconciles within the
// lease, carrying on the idle finding; SIGTERM → every process exits 0 and the temp folder goes.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { adminPool, dropSchema, pgUrl, randomSchema, requirePostgres } from '../fixtures/pg-env.ts';

const mainScript = fileURLToPath(new URL('../../examples/worker-controller/main.ts', import.meta.url));
const leaseMs = 2_000;
const pgAvailable = await requirePostgres('test/integration/worker-controller-example.test.ts');
const admin: pg.Pool | null = pgAvailable ? adminPool() : null;
afterAll(async () => {
  await admin?.end();
});

/** One `[name] {json}` line of main.ts's output, with when the test read it. */
interface Line {
  from: string;
  receivedAt: number;
  event: string;
  node?: string;
  [field: string]: unknown;
}

interface SseEvent {
  event: string;
  id: number;
  data: Record<string, unknown>;
}

class Launch {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: Line[] = [];
  readonly exited: Promise<number | null>;
  stderr = '';

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [mainScript], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout }).on('line', (text) => {
      const match = /^\[([\w-]+)\] (\{.*\})$/.exec(text);
      if (match) this.lines.push({ from: match[1]!, receivedAt: Date.now(), ...(JSON.parse(match[2]!) as { event: string }) });
    });
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  find(from: string | ((name: string) => boolean), event: string, where: (line: Line) => boolean = () => true): Line | undefined {
    return this.lines.find((line) => (typeof from === 'string' ? line.from === from : from(line.from)) && line.event === event && where(line));
  }
}

let launch: Launch | null = null;
let sseAbort: AbortController | null = null;
afterEach(async () => {
  sseAbort?.abort();
  if (launch && launch.child.exitCode === null && launch.child.signalCode === null) {
    launch.child.kill('SIGTERM');
    const timer = setTimeout(() => launch?.child.kill('SIGKILL'), 15_000);
    await launch.exited;
    clearTimeout(timer);
  }
  // A main.ts killed before it could stop its processes leaves them behind: end those it did not
  // see exit (only those: the pid of one that exited may belong to another process by now).
  const lines = launch?.lines.filter((l) => l.from === 'main') ?? [];
  const exited = new Set(lines.filter((l) => l.event === 'exited').map((l) => l['pid']));
  for (const spawned of lines.filter((l) => l.event === 'spawned' && !exited.has(l['pid']))) {
    try {
      process.kill(Number(spawned['pid']), 'SIGKILL');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // ESRCH: it had exited, as it should
    }
  }
  launch = null;
});

async function until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function http(method: string, url: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** Follows `GET /events`, collecting every event; resolves once the stream is open. */
async function followEvents(url: string): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  sseAbort = new AbortController();
  const response = await fetch(url, { signal: sseAbort.signal });
  expect(response.headers.get('content-type')).toBe('text/event-stream');
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const field = (name: string) => block.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
          const event = field('event');
          if (event) events.push({ event, id: Number(field('id')), data: JSON.parse(field('data') ?? 'null') as Record<string, unknown> });
        }
      }
    } catch (error) {
      if (!sseAbort?.signal.aborted) throw error;
    }
  })();
  return events;
}

const isController = (name: string) => name.startsWith('controller-');

interface StoreCase {
  name: string;
  available: boolean;
  /** Undefined: main.ts's default, a SQLite file in a temporary folder. */
  url: () => string | undefined;
  cleanup: (url: string | undefined) => Promise<void>;
}

const cases: StoreCase[] = [
  { name: 'sqlite (the default)', available: true, url: () => undefined, cleanup: async () => {} },
  {
    name: 'postgres',
    available: pgAvailable,
    url: () => `${pgUrl()}?schema=${randomSchema('sundial_wc_example')}`,
    cleanup: async (url) => dropSchema(admin!, new URL(url!).searchParams.get('schema')!),
  },
];

for (const storeCase of cases) {
  describe.runIf(storeCase.available)(`examples/worker-controller on ${storeCase.name}`, () => {
    test('commands, SSE, discovery, idle detection, failover, clean stop', { timeout: 40_000 }, async () => {
      const storeUrl = storeCase.url();
      const startedAt = Date.now();
      const run = (launch = new Launch({
        ...(storeUrl === undefined ? {} : { SUNDIAL_STORE: storeUrl }),
        WORKER_CONTROLLER_LEASE: `${leaseMs}ms`,
        WORKER_CONTROLLER_SAMPLE_EVERY: '300ms',
        WORKER_CONTROLLER_RESYNC_EVERY: '1s',
        WORKER_CONTROLLER_IDLE_SAMPLES: '3',
        WORKER_CONTROLLER_RESULT_TIMEOUT: '10s',
        FAKE_CLOUD_CHURN: 'off',
        FAKE_CLOUD_LICENSE_FAILURES: '0',
        FAKE_CLOUD_SEED: '7',
      }));
      try {
        const ready = await until('main.ts ready', () => run.find('main', 'ready'));
        const api = String(ready['api']);
        const cloud = String(ready['cloud']);
        const apiNode = (await until('the API listening', () => run.find('api', 'listening'))).node!;
        expect((await http('GET', `${api}/healthz`)).body).toMatchObject({ live: true });

        // A leader, and its discovery loop at work.
        const first = await until('a leader', () => run.find(isController, 'elected'));
        await until('the leader reconciling i-1', () => run.find(first.from, 'reconciled', (l) => l['workerId'] === 'i-1'));
        const events = await followEvents(`${api}/events`);

        // A command: the licence server fails once, the task retries, the API answers with the result.
        expect((await http('POST', `${cloud}/control/license-failures`, { next: 1 })).status).toBe(200);
        const registered = await http('POST', `${api}/workers/i-1/register-license`);
        expect(registered.status).toBe(200);
        expect(registered.body['result']).toMatchObject({ workerId: 'i-1', licenseId: expect.stringMatching(/^lic-\d+$/) });
        const attempts = registered.body['attempts'] as Array<{ attempt: number; nodeId: string; outcome: string; error: string | null }>;
        expect(attempts.map((a) => a.outcome)).toEqual(['failed', 'succeeded']);
        expect(attempts[0]!.error).toMatch(/503 licence server busy/);
        // Routed by queue: only controller nodes ran it, never the API node (it serves 'api' only).
        const job = await http('GET', `${api}/jobs/${String(registered.body['jobId'])}`);
        const ranOn = (job.body['attempts'] as Array<{ nodeId: string }>).map((a) => a.nodeId);
        expect(ranOn.every((node) => node.startsWith('controller-'))).toBe(true);
        expect(ranOn).not.toContain(apiNode);
        expect(registered.body['ranOn']).toBe(ranOn.at(-1));

        // SSE: the retry and the success, from the node that ran it.
        const succeeded = await until('job.succeeded on /events', () => events.find((e) => e.event === 'job.succeeded' && e.data['jobId'] === registered.body['jobId']));
        expect(succeeded.data).toMatchObject({ task: 'register-license', workerId: 'i-1', attempt: 2, nodeId: ranOn.at(-1), result: registered.body['result'] });
        expect(events.find((e) => e.event === 'job.failed' && e.data['jobId'] === registered.body['jobId'])?.data['attempt']).toBe(1);

        // Discovery: a new instance is found by the next listing.
        const launched = await http('POST', `${cloud}/instances`, { state: 'running' });
        expect(launched.status).toBe(201);
        await until('the new instance discovered', () => run.find(first.from, 'discovered', (l) => l['workerId'] === launched.body['id']));

        // Idle detection: three samples in a row under 5 % of CPU.
        expect((await http('PUT', `${cloud}/instances/i-2/state`, { state: 'idle' })).status).toBe(200);
        const idle = await until('i-2 found idle', () => run.find(first.from, 'idle-detected', (l) => l['workerId'] === 'i-2'));
        expect((idle['cpuPercent'] as number[]).every((cpu) => cpu < 5)).toBe(true);
        const workers = await http('GET', `${api}/workers`);
        expect(workers.body['leader']).toMatchObject({ nodeId: first.node, term: first['term'] });
        expect((workers.body['workers'] as Array<{ id: string; idle: boolean }>).find((w) => w.id === 'i-2')?.idle).toBe(true);

        // A command that cannot succeed answers 502 with the job's error; ?async=1 answers 202 at once.
        const dead = await http('POST', `${api}/workers/i-99/refresh-data`);
        expect(dead.status).toBe(502);
        expect(dead.body).toMatchObject({ status: 'dead', error: { name: 'NonRetryableError', message: expect.stringContaining('No worker i-99') } });
        expect((await http('POST', `${api}/workers/not-an-id/refresh-data`)).status).toBe(400);
        const queued = await http('POST', `${api}/workers/i-3/refresh-data?async=1`);
        expect(queued.status).toBe(202);
        await until('the async job on /events', () => events.find((e) => e.event === 'job.succeeded' && e.data['jobId'] === queued.body['jobId']));
        expect(events.some((e) => e.event === 'job.dead' && e.data['jobId'] === dead.body['jobId'])).toBe(true);

        // Failover: SIGKILL the leader; the other controller leads and reconciles within the lease.
        const leaderPid = Number(first.node!.split(':').at(-1));
        const killedAt = Date.now();
        process.kill(leaderPid, 'SIGKILL');
        const second = await until('a new leader', () => run.find((name) => isController(name) && name !== first.from, 'elected'));
        const resumed = await until('the new leader reconciling', () => run.find(second.from, 'reconciled', (l) => l.receivedAt > second.receivedAt));
        const failoverMs = resumed.receivedAt - killedAt;
        console.info(`[${storeCase.name}] failover: SIGKILL of the leader → the other reconciling in ${failoverMs} ms (lease ${leaseMs} ms)`);
        expect(second['term']).toBeGreaterThan(first['term'] as number);
        expect(failoverMs).toBeLessThanOrEqual(leaseMs + 1_500);
        expect(await until('SSE leader.elected', () => events.find((e) => e.event === 'leader.elected' && e.data['nodeId'] === second.node))).toBeTruthy();
        // Level-triggered: the new leader reads the idle finding from the cloud, it does not find it anew.
        await until('i-2 still idle under the new leader', () => run.find(second.from, 'reconciled', (l) => l['workerId'] === 'i-2' && l['idle'] === true));
        expect(run.find(second.from, 'idle-detected', (l) => l['workerId'] === 'i-2')).toBeUndefined();
        const afterFailover = await http('POST', `${api}/workers/i-1/deregister-license`);
        expect(afterFailover.status).toBe(200);
        expect(afterFailover.body).toMatchObject({ ranOn: second.node, result: { workerId: 'i-1', deregistered: (registered.body['result'] as { licenseId: string }).licenseId } });

        // SIGTERM: every process still running stops cleanly, and main.ts exits 0.
        run.child.kill('SIGTERM');
        expect(await run.exited).toBe(0);
        const exits = run.lines.filter((l) => l.from === 'main' && l.event === 'exited');
        expect(exits.find((l) => l['name'] === first.from)).toMatchObject({ signal: 'SIGKILL' });
        for (const name of ['api', second.from]) expect(exits.find((l) => l['name'] === name)).toMatchObject({ code: 0, signal: null });
        for (const name of ['api', second.from]) expect(run.find(name, 'stopped')).toMatchObject({ timedOut: [], failed: [] });
        expect(run.find(second.from, 'deposed')).toMatchObject({ reason: 'stopped' });
        expect(run.find('main', 'stopped')).toMatchObject({ clean: true });
        if (storeUrl === undefined) expect(existsSync(String(ready['store']).slice('sqlite:'.length))).toBe(false);
        console.info(`[${storeCase.name}] the whole run took ${Date.now() - startedAt} ms`);
      } catch (error) {
        // What the processes said, for a failure in CI.
        console.error(`[${storeCase.name}] main.ts output:\n${run.lines.map((l) => `${l.receivedAt - startedAt} ms [${l.from}] ${JSON.stringify(l)}`).join('\n')}\n${run.stderr}`);
        throw error;
      } finally {
        await storeCase.cleanup(storeUrl);
      }
    });
  });
}
