import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveAdmin, type AdminServer } from '../../src/admin/index.ts';
import { Scheduler, type BreakerRecord, type JobRecord } from '../../src/index.ts';
import { MemoryStore } from '../../src/memory/index.ts';
import { operateToken, readEvents, readToken } from './admin-fixture.ts';

// Circuit breakers and flows through the admin API, on a memory store. The scheduler is a client
// (it runs nothing), so that jobs stay where the test put them: roots queued, children waiting.
let scheduler: Scheduler;
let server: AdminServer;

interface FlowAnswer {
  jobs: Array<{ id: string; task: string; status: string; parents: string[]; createdAtMs: number; finishedAtMs: number | null }>;
  edges: Array<[string, string]>;
  truncated: boolean;
}

function call(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const { token = operateToken, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  return fetch(new URL(`api/${path}`, server.url), { ...rest, headers });
}

function force(task: string, body: unknown, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return call(`breakers/${encodeURIComponent(task)}`, { method: 'POST', body: text, ...init, headers: { 'content-type': 'application/json', ...init.headers } });
}

async function json<T>(response: Response, status = 200): Promise<T> {
  const body = (await response.json()) as T;
  expect({ status: response.status, body }).toMatchObject({ status });
  return body;
}

async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, ...body.error };
}

beforeAll(async () => {
  scheduler = new Scheduler({ store: new MemoryStore(), roles: { schedules: false, jobs: false }, nodeId: 'admin-gates', logger: 'error' });
  await scheduler.start();
  server = await serveAdmin({
    scheduler,
    auth: { tokens: [{ token: operateToken, role: 'operate' }, { token: readToken, role: 'read' }] },
    port: 0,
    eventPollIntervalMs: 25,
    onError: () => {},
  });
});

afterAll(async () => {
  await server?.close();
  await scheduler?.stop({ timeout: '1s' });
});

describe('admin API: breakers', () => {
  it('lists no breaker before any was written', async () => {
    const list = await json<{ nowMs: number; items: BreakerRecord[] }>(await call('breakers'));
    expect(list.items).toEqual([]);
    expect(list.nowMs).toEqual(expect.any(Number));
  });

  it('forces a breaker open (creating it), lists it with its counts, and announces it', async () => {
    const announced = scheduler.waitFor('breaker.changed', (event) => event.task === 'payments');
    const opened = await json<BreakerRecord>(await force('payments', { force: 'open' }));
    expect(opened).toMatchObject({ task: 'payments', state: 'open', forced: 'open', openUntilMs: null, version: 1, succeeded: 0, failed: 0 });
    expect(await announced).toMatchObject({ from: 'closed', to: 'open', reason: 'operator', forced: 'open' });

    const list = await json<{ items: BreakerRecord[] }>(await call('breakers', { token: readToken }));
    expect(list.items).toEqual([expect.objectContaining({ task: 'payments', state: 'open', forced: 'open', succeeded: 0, failed: 0, changedAtMs: opened.changedAtMs })]);
  });

  it('holds it closed, then hands it back to the automatic rules', async () => {
    expect(await json<BreakerRecord>(await force('payments', { force: 'closed' }))).toMatchObject({ state: 'closed', forced: 'closed', version: 2 });
    expect(await json<BreakerRecord>(await force('payments', { force: null }))).toMatchObject({ state: 'closed', forced: null, version: 3 });
  });

  it('refuses a read-only token, no token, and a cross-site write; the breaker stays', async () => {
    expect(await errorOf(await force('payments', { force: 'open' }, { token: readToken }))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(await errorOf(await force('payments', { force: 'open' }, { token: null }))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await errorOf(await force('payments', { force: 'open' }, { headers: { origin: 'https://evil.example' } }))).toMatchObject({ status: 403, code: 'CSRF_REJECTED' });
    expect(await errorOf(await force('payments', { force: 'open' }, { token: null, headers: { 'x-sundial-csrf': '1' } }))).toMatchObject({ status: 401 });
    const [breaker] = (await json<{ items: BreakerRecord[] }>(await call('breakers'))).items;
    expect(breaker).toMatchObject({ state: 'closed', forced: null, version: 3 });
  });

  it.each([
    ['an empty body', {}, /Missing `force`/],
    ['another state', { force: 'half-open' }, /Expected `force` to be "open", "closed" or null, got "half-open"/],
    ['an unknown field', { force: 'open', until: 5 }, /Unknown field `until`/],
    ['an array', [], /Expected a JSON object body/],
  ])('answers 400 to %s', async (_what, body, message) => {
    const error = await errorOf(await force('payments', body));
    expect(error).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT' });
    expect(error.message).toMatch(message);
  });

  it('answers 400 to a body that is not JSON and to a task name no store can keep', async () => {
    expect(await errorOf(await force('payments', '{force:'))).toMatchObject({ status: 400, code: 'INVALID_JSON' });
    expect(await errorOf(await force('a\u0000b', { force: 'open' }))).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT' });
    expect((await json<{ items: BreakerRecord[] }>(await call('breakers'))).items.map((b) => b.task)).toEqual(['payments']);
  });

  it("streams a breaker's change, whichever node wrote it, as `breaker.changed`", async () => {
    const stream = await call('events');
    expect(stream.status).toBe(200);
    // Forced once `ready` is seen: the stream has read its baseline by then, so this is a change.
    let forced: Promise<Response> | undefined;
    const events = await readEvents(stream, (seen) => {
      if (forced === undefined && seen.some((e) => e.event === 'ready')) forced = force('search', { force: 'open' });
      return seen.some((e) => e.event === 'breaker.changed');
    });
    expect((await forced)?.status).toBe(200);
    const change = events.find((e) => e.event === 'breaker.changed')!;
    expect(JSON.parse(change.data)).toMatchObject({ task: 'search', from: 'closed', to: 'open', forced: 'open', breaker: { task: 'search', state: 'open' } });
  });
});

describe('admin API: flows', () => {
  let flow: Record<string, JobRecord>;

  beforeAll(async () => {
    // Three levels: two extracts, a transform after both, two loads after the transform.
    flow = await scheduler.flow([
      { key: 'extractA', task: 'extract', data: { source: 'a' } },
      { key: 'extractB', task: 'extract', data: { source: 'b' } },
      { key: 'transform', task: 'transform', after: ['extractA', 'extractB'] },
      { key: 'load1', task: 'load', after: ['transform'] },
      { key: 'load2', task: 'load', after: ['transform'] },
    ]);
    await scheduler.enqueue({ task: 'unrelated' });
  });

  it('walks parents and children transitively from any job of the flow', async () => {
    const ids = Object.fromEntries(Object.entries(flow).map(([key, job]) => [key, job.id]));
    const expectedEdges = [
      [ids['extractA'], ids['transform']],
      [ids['extractB'], ids['transform']],
      [ids['transform'], ids['load1']],
      [ids['transform'], ids['load2']],
    ].sort((a, b) => (a.join() < b.join() ? -1 : 1));
    for (const from of ['load1', 'extractA', 'transform']) {
      const answer = await json<FlowAnswer>(await call(`jobs/${flow[from]!.id}/flow`, { token: readToken }));
      expect(answer.truncated, from).toBe(false);
      expect(answer.jobs.map((job) => job.id).sort(), from).toEqual(Object.values(ids).sort());
      expect(answer.edges, from).toEqual(expectedEdges);
    }
    const answer = await json<FlowAnswer>(await call(`jobs/${flow['transform']!.id}/flow`));
    const transform = answer.jobs.find((job) => job.id === ids['transform'])!;
    expect(transform).toEqual({ id: ids['transform'], task: 'transform', status: 'waiting', parents: [ids['extractA'], ids['extractB']], createdAtMs: expect.any(Number), finishedAtMs: null });
    expect(answer.jobs.find((job) => job.id === ids['extractA'])).toMatchObject({ status: 'queued', parents: [] });
  });

  it('answers a job without parents or children as a flow of one, and 404 for no job', async () => {
    const [alone] = await scheduler.listJobs({ task: 'unrelated' });
    expect(await json<FlowAnswer>(await call(`jobs/${alone!.id}/flow`))).toEqual({
      jobs: [expect.objectContaining({ id: alone!.id, parents: [] })],
      edges: [],
      truncated: false,
    });
    expect((await errorOf(await call('jobs/01900000-0000-7000-8000-000000000000/flow'))).code).toBe('JOB_NOT_FOUND');
  });

  it('stops at 200 jobs and says so', async () => {
    const fanOut = await scheduler.flow([{ key: 'root', task: 'fan-out' }, ...Array.from({ length: 205 }, (_, i) => ({ key: `leaf${i}`, task: 'leaf', after: ['root'] }))]);
    const answer = await json<FlowAnswer>(await call(`jobs/${fanOut['root']!.id}/flow`));
    expect(answer.truncated).toBe(true);
    expect(answer.jobs).toHaveLength(200);
    expect(answer.edges).toHaveLength(199);
    expect(answer.edges.every(([parent]) => parent === fanOut['root']!.id)).toBe(true);
  });

  it('filters jobs by the status waiting, and documents the new routes', async () => {
    const waiting = await json<{ items: JobRecord[] }>(await call('jobs?status=waiting&limit=500'));
    expect(waiting.items.every((job) => job.status === 'waiting')).toBe(true);
    expect(waiting.items.filter((job) => job.task !== 'leaf').map((job) => job.id).sort()).toEqual([flow['transform']!.id, flow['load1']!.id, flow['load2']!.id].sort());
    expect(waiting.items.filter((job) => job.task === 'leaf')).toHaveLength(205);

    const doc = await json<{ paths: Record<string, unknown>; components: { schemas: Record<string, { enum?: string[] }> } }>(await call('openapi.json', { token: null }));
    for (const path of ['/breakers', '/breakers/{task}', '/jobs/{id}/flow']) expect(doc.paths).toHaveProperty([path]);
    expect(doc.components.schemas['JobStatus']!.enum).toContain('waiting');
  });
});
