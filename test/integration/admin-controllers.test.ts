import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin, serveAdmin, type AdminServer } from '../../src/admin/index.ts';
import { Controller, LeaderElector, controller } from '../../src/controllers/index.ts';
import { NonRetryableError, Scheduler, silentLogger, task, type JobRecord, type JsonValue, type StandardSchemaV1 } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';
import { MemoryStore } from '../../src/memory/index.ts';
import { VirtualClock } from '../../src/testing/index.ts';
import { operateToken, readEvents, readToken, type SseEvent } from './admin-fixture.ts';

// The admin's cluster views and commands against real nodes sharing one SQLite file, each with its
// own connection (as separate processes would have): a worker node that leads an election, runs a
// controller (which publishes its status to the store's event log) and serves the commands' queue;
// and an API node, the admin's scheduler, that registers the commands but serves another queue, so
// it never runs them.

const workerIdSchema: StandardSchemaV1<unknown, { workerId: string }> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) =>
      typeof (value as { workerId?: unknown } | null)?.workerId === 'string' ? { value: value as { workerId: string } } : { issues: [{ message: 'workerId must be a string' }] },
  },
};
const registerLicense = task('register-license', { queue: 'worker-controller', schema: workerIdSchema, run: ({ data }) => ({ licensed: data.workerId }) });
const refreshWorker = task('refresh-worker', {
  queue: 'worker-controller',
  run: ({ data }) => {
    throw new NonRetryableError(`worker ${JSON.stringify(data)} is terminated`);
  },
});
/** Registered on the worker only: the admin's scheduler does not know it, the store does. */
const collectMetrics = task('collect-metrics', { queue: 'worker-controller', run: () => ({ samples: 3 }) });

let dir: string;
const stores: SqliteStore[] = [];
let worker: Scheduler;
let api: Scheduler;
let elector: LeaderElector;
let workers: Controller;
let server: AdminServer;

function openStore(): SqliteStore {
  const store = new SqliteStore(join(dir, 'cluster.db'));
  stores.push(store);
  return store;
}

function call(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const { token = operateToken, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  return fetch(new URL(`api/${path}`, server.url), { ...rest, headers });
}

function post(path: string, body: unknown, token: string = operateToken): Promise<Response> {
  return call(path, { method: 'POST', token, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
}

async function json<T>(response: Response, status = 200): Promise<T> {
  const body = (await response.json()) as T;
  expect({ status: response.status, body }).toMatchObject({ status });
  return body;
}

interface ControllerItem {
  name: string;
  nodeId: string;
  running: boolean;
  reconciles: number;
  errors: number;
  retries: number;
  publishedAtMs: number;
  stale: boolean;
  queueLatencyMs: { p50: number | null; p99: number | null };
  workDurationMs: { p50: number | null; p99: number | null };
  errorsByKey: Array<{ key: string; count: number; lastError: { name: string; message: string }; lastAtMs: number }>;
}
interface ControllersBody {
  nowMs: number;
  listening: boolean;
  items: ControllerItem[];
}
interface LeadersBody {
  nowMs: number;
  items: Array<{ name: string; holder: string | null; term: number; renewedAtMs: number; leaseMs: number; fresh: boolean }>;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sundial-admin-controllers-'));
  const workerStore = openStore();
  worker = new Scheduler({ store: workerStore, tasks: [registerLicense, refreshWorker, collectMetrics], queues: ['worker-controller'], nodeId: 'worker-1', logger: 'error', pollInterval: '50ms' });
  await worker.start();
  elector = new LeaderElector({ store: workerStore, name: 'worker-controller', nodeId: 'worker-1', lease: '2s' });
  await elector.start();
  await elector.whenLeading();
  workers = controller({
    name: 'workers',
    store: workerStore,
    nodeId: 'worker-1',
    publishStatusEvery: '100ms',
    logger: silentLogger,
    list: () => ['w-1', 'w-2', 'w-broken'],
    reconcile(key) {
      if (key === 'w-broken') throw new Error('cloud answered 503 for w-broken');
    },
  });
  await workers.start();

  api = new Scheduler({ store: openStore(), tasks: [registerLicense, refreshWorker], queues: ['api'], nodeId: 'api-1', logger: 'error', pollInterval: '50ms' });
  await api.start();
  server = await serveAdmin({
    scheduler: api,
    auth: { tokens: [{ token: operateToken, role: 'operate' }, { token: readToken, role: 'read' }] },
    port: 0,
    eventPollIntervalMs: 50,
    onError: () => {},
  });
});

afterAll(async () => {
  await server?.close();
  await workers?.stop();
  await elector?.stop();
  await api?.stop({ timeout: '1s' });
  await worker?.stop({ timeout: '1s' });
  for (const store of stores) await store.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/leaders', () => {
  it('lists every election with its holder, term, last renewal and whether it looks fresh', async () => {
    // An election whose holder stopped renewing a minute ago (a crashed node nobody replaced).
    await stores[0]!.acquireLeadership({ name: 'billing-sync', nodeId: 'gone-node', nowMs: Date.now() - 60_000, leaseMs: 1_000, observedVersion: null });
    const { nowMs, items } = await json<LeadersBody>(await call('leaders', { token: readToken }));
    expect(Math.abs(nowMs - Date.now())).toBeLessThan(5_000);
    expect(items.map((leader) => leader.name)).toEqual(['billing-sync', 'worker-controller']);
    expect(items[1]).toMatchObject({ name: 'worker-controller', holder: 'worker-1', term: 1, leaseMs: 2_000, fresh: true });
    expect(nowMs - items[1]!.renewedAtMs).toBeLessThanOrEqual(4_000);
    expect(items[0]).toMatchObject({ holder: 'gone-node', term: 1, leaseMs: 1_000, fresh: false });
  });
});

describe('GET /api/controllers', () => {
  it("shows each controller's last published status, with its node and when it published", async () => {
    let body: ControllersBody | undefined;
    await expect
      .poll(
        async () => {
          body = await json<ControllersBody>(await call('controllers', { token: readToken }));
          return body.items.find((item) => item.name === 'workers')?.errors ?? 0;
        },
        { timeout: 10_000 },
      )
      .toBeGreaterThan(0);
    expect(body!.listening).toBe(true);
    expect(body!.items).toHaveLength(1);
    const status = body!.items[0]!;
    expect(status).toMatchObject({ name: 'workers', nodeId: 'worker-1', running: true, stale: false });
    expect(status.reconciles).toBeGreaterThanOrEqual(3);
    expect(status.retries).toBeGreaterThan(0);
    expect(status.queueLatencyMs.p50).not.toBeNull();
    expect(status.workDurationMs.p99).not.toBeNull();
    expect(body!.nowMs - status.publishedAtMs).toBeLessThan(5_000);
    expect(status.errorsByKey).toEqual([{ key: 'w-broken', count: expect.any(Number), lastError: { name: 'Error', message: 'cloud answered 503 for w-broken' }, lastAtMs: expect.any(Number) }]);
  });

  it('follows the cluster from a store alone: the admin starts a client scheduler, and close() stops it but not the store', async () => {
    const store = openStore();
    await store.open();
    // The admin's "now" on a virtual clock, so that staleness can be reached without waiting.
    const clock = new VirtualClock(Date.now());
    const admin = createAdmin({ store, clock, auth: { tokens: [{ token: readToken, role: 'read' }] }, onError: () => {} });
    const get = async <T>(path: string) => json<T>(await admin.fetch(new Request(`http://admin.test/api/${path}`, { headers: { authorization: `Bearer ${readToken}` } })));
    try {
      await expect.poll(async () => (await get<ControllersBody>('controllers')).items.map((item) => item.name), { timeout: 10_000 }).toEqual(['workers']);
      expect((await get<ControllersBody>('controllers')).listening).toBe(true);
      const client = (await store.listNodes()).find((node) => node.id.includes(':admin-'));
      expect(client).toMatchObject({ roles: { schedules: false, jobs: false }, tasks: [] });

      // Three statuses missed (15 s on the admin's clock): stale, and the leader no longer looks fresh.
      await clock.advance('16s');
      expect((await get<ControllersBody>('controllers')).items[0]).toMatchObject({ name: 'workers', stale: true });
      expect((await get<LeadersBody>('leaders')).items.find((leader) => leader.name === 'worker-controller')).toMatchObject({ holder: 'worker-1', fresh: false });
    } finally {
      await admin.close();
    }
    // Its client node left the registry; the store is still open for its owner.
    expect((await store.listNodes()).some((node) => node.id.includes(':admin-'))).toBe(false);
    expect((await store.listLeaders()).length).toBe(2);
  });
});

describe('POST /api/jobs', () => {
  it('refuses a read-only token (403), an unknown task (404) and bad input (400 naming the field)', async () => {
    const before = (await worker.listJobs({ limit: 500 })).length;
    const refused = await json<{ error: { code: string } }>(await post('jobs', { task: 'register-license', data: { workerId: 'w-1' } }, readToken), 403);
    expect(refused.error.code).toBe('FORBIDDEN');

    const unknown = await json<{ error: { code: string; message: string } }>(await post('jobs', { task: 'no-such-task' }), 404);
    expect(unknown.error.code).toBe('UNKNOWN_TASK');
    expect(unknown.error.message).toContain('No task named "no-such-task"');

    const invalid = async (body: unknown, code: string, field: string) => {
      const { error } = await json<{ error: { code: string; message: string } }>(await post('jobs', body), 400);
      expect(error.code).toBe(code);
      expect(error.message).toContain(field);
    };
    await invalid({ data: { workerId: 'w-1' } }, 'INVALID_ARGUMENT', '`task`');
    await invalid({ task: 42 }, 'INVALID_ARGUMENT', '`task`');
    await invalid([{ task: 'register-license' }], 'INVALID_ARGUMENT', 'JSON object body');
    await invalid({ task: 'register-license', payload: {} }, 'INVALID_ARGUMENT', '`payload`');
    await invalid({ task: 'register-license', data: { workerId: 'w-1' }, priority: 'high' }, 'INVALID_ARGUMENT', '`priority`');
    await invalid({ task: 'register-license', data: { workerId: 'w-1' }, runAt: 'tomorrow' }, 'INVALID_ARGUMENT', '`runAt`');
    await invalid({ task: 'register-license', data: { workerId: 'w-1' }, delay: '-5s' }, 'INVALID_ARGUMENT', '`delay`');
    await invalid({ task: 'register-license', data: { workerId: 'w-1' }, runAt: Date.now(), delay: '1m' }, 'INVALID_ARGUMENT', '`delay`');
    await invalid({ task: 'register-license', data: { workerId: 'w-1' }, dedupeKey: '' }, 'INVALID_ARGUMENT', '`dedupeKey`');
    // The task's own payload schema, checked by the scheduler as for any caller.
    await invalid({ task: 'register-license', data: { worker: 'w-1' } }, 'PAYLOAD_INVALID', 'workerId must be a string');
    expect((await worker.listJobs({ limit: 500 })).length).toBe(before);
  });

  it('enqueues a delayed job once per dedupe key', async () => {
    const input = { task: 'register-license', data: { workerId: 'w-8' }, delay: '1h', priority: 5, dedupeKey: 'license/w-8' };
    const { job } = await json<{ job: JobRecord }>(await post('jobs', input), 201);
    expect(job).toMatchObject({ task: 'register-license', status: 'queued', origin: 'enqueue', priority: 5, dedupeKey: 'license/w-8', data: { workerId: 'w-8' } });
    expect(job.runAtMs - job.createdAtMs).toBe(3_600_000);
    const again = await json<{ job: JobRecord }>(await post('jobs', input), 201);
    expect(again.job.id).toBe(job.id);
    await api.cancelJob(job.id);
  });

  it("sends commands whose end (result or error) arrives on the event stream; only the worker runs them", async () => {
    const stream = await call('events');
    expect(stream.status).toBe(200);
    // The stream's cursor is fixed once its response has started: every change after it comes.
    const ids: string[] = [];
    for (const body of [
      { task: 'register-license', data: { workerId: 'w-7' } },
      // Known from the worker's node record only: the admin enqueues it without a registration.
      { task: 'collect-metrics' },
      { task: 'refresh-worker', data: 'w-9' },
    ]) {
      ids.push((await json<{ job: JobRecord }>(await post('jobs', body), 201)).job.id);
    }
    const finals = new Set(['job.succeeded', 'job.dead', 'job.cancelled']);
    const endOf = (events: SseEvent[], id: string) => events.find((event) => finals.has(event.event) && (JSON.parse(event.data) as { id: string }).id === id);
    const events = await readEvents(stream, (seen) => ids.every((id) => endOf(seen, id) !== undefined));

    const [license, metrics, refresh] = ids.map((id) => endOf(events, id)!);
    expect(license!.event).toBe('job.succeeded');
    expect(JSON.parse(license!.data)).toMatchObject({ id: ids[0], task: 'register-license', status: 'succeeded', result: { licensed: 'w-7' } });
    expect(metrics!.event).toBe('job.succeeded');
    expect(JSON.parse(metrics!.data)).toMatchObject({ task: 'collect-metrics', result: { samples: 3 } });
    expect(refresh!.event).toBe('job.dead');
    expect(JSON.parse(refresh!.data)).toMatchObject({ task: 'refresh-worker', status: 'dead', error: { name: 'NonRetryableError', message: 'worker "w-9" is terminated' } });
    // The API node registers the commands but serves another queue: the worker ran every one.
    for (const id of ids) {
      const job = await json<JobRecord>(await call(`jobs/${id}`));
      expect(job.attempts.map((attempt) => attempt.nodeId)).toEqual(['worker-1']);
    }
    expect((await api.result<JsonValue>(ids[0]!))).toEqual({ licensed: 'w-7' });
  });
});

describe('OpenAPI', () => {
  it('describes the leaders, the controllers and the enqueue', async () => {
    const doc = await json<{ paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>; components: { schemas: Record<string, unknown> } }>(
      await call('openapi.json', { token: null }),
    );
    expect(Object.keys(doc.paths['/leaders']!)).toEqual(['get']);
    expect(Object.keys(doc.paths['/controllers']!)).toEqual(['get']);
    const enqueue = doc.paths['/jobs']!['post']!;
    expect(enqueue.requestBody).toEqual({ required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/EnqueueRequest' } } } });
    expect(Object.keys(enqueue.responses)).toEqual(expect.arrayContaining(['201', '400', '403', '404']));
    expect(doc.components.schemas).toHaveProperty(['EnqueueRequest', 'required'], ['task']);
    expect(doc.components.schemas).toHaveProperty(['ControllerList', 'properties', 'items', 'items', 'properties', 'stale']);
    expect(doc.components.schemas).toHaveProperty(['LeaderList', 'properties', 'items', 'items', 'properties', 'fresh']);
  });
});

describe('probes', () => {
  it('/healthz and /readyz answer without credentials, from the host given, with 503 when not live or not ready', async () => {
    const state = { live: true, ready: false };
    const scheduler = new Scheduler({ store: new MemoryStore(), logger: 'silent' });
    const admin = createAdmin({ scheduler, auth: { tokens: [{ token: 'x'.repeat(32), role: 'operate' }] }, health: { health: () => ({ ...state, services: [] }) } });
    try {
      const get = (path: string) => admin.fetch(new Request(`http://admin.test/api/${path}`));
      expect((await get('healthz')).status).toBe(200);
      const notReady = await get('readyz');
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ live: true, ready: false, services: [] });
      state.ready = true;
      expect((await get('readyz')).status).toBe(200);
      state.live = false;
      expect((await get('healthz')).status).toBe(503);
      // The rest of the API still wants credentials.
      expect((await get('stats')).status).toBe(401);
    } finally {
      await admin.close();
    }
  });

  it('without a host, the probes report the scheduler', async () => {
    const scheduler = new Scheduler({ store: new MemoryStore(), logger: 'silent' });
    const admin = createAdmin({ scheduler, auth: { tokens: [{ token: 'x'.repeat(32), role: 'operate' }] } });
    try {
      const ready = () => admin.fetch(new Request('http://admin.test/api/readyz'));
      expect((await ready()).status).toBe(503);
      await scheduler.start();
      expect((await ready()).status).toBe(200);
      expect(await (await ready()).json()).toMatchObject({ state: 'running', ready: true, live: true });
    } finally {
      await admin.close();
      await scheduler.stop();
    }
  });
});
