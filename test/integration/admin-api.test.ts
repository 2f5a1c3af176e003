import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { every, type JobRecord, type ScheduleRecord } from '../../src/index.ts';
import { VirtualClock } from '../../src/testing/index.ts';
import { readToken, startAdminFixture, type AdminFixture } from './admin-fixture.ts';

// Every endpoint against a real SqliteStore and a running scheduler on a virtual clock.
let fx: AdminFixture;
const clock = new VirtualClock(Date.UTC(2026, 2, 2, 12, 0, 0));

async function json<T = Record<string, unknown>>(response: Response, status = 200): Promise<T> {
  const body = (await response.json()) as T;
  expect({ status: response.status, body }).toMatchObject({ status });
  return body;
}

function post(path: string, body?: unknown, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  return fx.call(path, {
    method: 'POST',
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    ...init,
  });
}

/** Runs a job to its end on the virtual clock. */
async function settle(job: JobRecord, status: 'succeeded' | 'dead'): Promise<void> {
  // Subscribed before looking: an action's wake-up may have run the job already.
  const done = fx.scheduler.waitFor(status === 'succeeded' ? 'job.succeeded' : 'job.dead', (event) => event.job.id === job.id);
  if ((await fx.store.getJob(job.id))?.status === status) return;
  await clock.advance('1s');
  await done;
}

beforeAll(async () => {
  fx = await startAdminFixture({ clock });
});
afterAll(async () => {
  await fx?.close();
});

describe('admin API: schedules', () => {
  it('lists schedules by id, with filters and keyset paging', async () => {
    const all = await json<{ items: ScheduleRecord[]; nextAfterId: string | null }>(await fx.call('schedules'));
    expect(all.items.map((s) => s.id)).toEqual(['boom-hourly', 'reports/daily', 'tick']);
    expect(all.nextAfterId).toBeNull();
    expect(all.items[0]).not.toHaveProperty('leaseToken');

    expect((await json<{ items: ScheduleRecord[] }>(await fx.call('schedules?task=boom'))).items.map((s) => s.id)).toEqual(['boom-hourly']);
    expect((await json<{ items: ScheduleRecord[] }>(await fx.call('schedules?paused=true'))).items.map((s) => s.id)).toEqual(['boom-hourly']);
    expect((await json<{ items: ScheduleRecord[] }>(await fx.call('schedules?idPrefix=rep'))).items.map((s) => s.id)).toEqual(['reports/daily']);

    const first = await json<{ items: ScheduleRecord[]; nextAfterId: string }>(await fx.call('schedules?limit=2'));
    expect(first.items.map((s) => s.id)).toEqual(['boom-hourly', 'reports/daily']);
    expect(first.nextAfterId).toBe('reports/daily');
    const second = await json<{ items: ScheduleRecord[] }>(await fx.call(`schedules?limit=2&afterId=${encodeURIComponent(first.nextAfterId)}`));
    expect(second.items.map((s) => s.id)).toEqual(['tick']);
  });

  it('rejects malformed filters with 400 and the SundialError code', async () => {
    const bad = await json<{ error: { code: string; message: string } }>(await fx.call('schedules?paused=maybe'), 400);
    expect(bad.error).toEqual({ code: 'INVALID_ARGUMENT', message: 'Expected `paused` to be true or false, got "maybe"' });
    expect((await json<{ error: { code: string } }>(await fx.call('schedules?limit=0'), 400)).error.code).toBe('INVALID_ARGUMENT');
    expect((await json<{ error: { code: string } }>(await fx.call('schedules?limit=9999'), 400)).error.code).toBe('INVALID_ARGUMENT');
  });

  it('shows one schedule with its next 5 fire times, computed like the nodes do', async () => {
    const tick = await json<ScheduleRecord & { upcomingFireAtMs: number[] }>(await fx.call('schedules/tick'));
    expect(tick.upcomingFireAtMs).toHaveLength(5);
    expect(tick.upcomingFireAtMs[0]).toBe(tick.nextFireAtMs);
    expect(tick.upcomingFireAtMs.slice(1).map((ms, i) => ms - tick.upcomingFireAtMs[i]!)).toEqual([10_000, 10_000, 10_000, 10_000]);

    const daily = await json<{ upcomingFireAtMs: number[] }>(await fx.call(`schedules/${encodeURIComponent('reports/daily')}`));
    // 03:00 in Berlin is 02:00Z in March, until the switch to summer time on 29 March.
    expect(daily.upcomingFireAtMs.map((ms) => new Date(ms).toISOString())).toEqual([
      '2026-03-03T02:00:00.000Z',
      '2026-03-04T02:00:00.000Z',
      '2026-03-05T02:00:00.000Z',
      '2026-03-06T02:00:00.000Z',
      '2026-03-07T02:00:00.000Z',
    ]);
    const missing = await json<{ error: { code: string } }>(await fx.call('schedules/nope'), 404);
    expect(missing.error.code).toBe('SCHEDULE_NOT_FOUND');
  });

  it('pauses, resumes, triggers and removes through the scheduler (its events fire)', async () => {
    const paused = fx.scheduler.waitFor('schedule.paused', (e) => e.schedule.id === 'tick');
    expect((await json<ScheduleRecord>(await post('schedules/tick/pause'))).paused).toBe(true);
    await paused;
    expect((await json<ScheduleRecord>(await post('schedules/tick/resume'))).paused).toBe(false);

    const triggered = await json<{ job: JobRecord }>(await post('schedules/tick/trigger'), 201);
    expect(triggered.job).toMatchObject({ origin: 'manual', scheduleId: 'tick', task: 'ok', status: 'queued' });
    await settle(triggered.job, 'succeeded');

    await fx.scheduler.schedule({ id: 'to-remove', task: 'ok', trigger: every('1h') });
    expect(await json(await fx.call('schedules/to-remove', { method: 'DELETE' }))).toEqual({ removed: true });
    expect((await json<{ error: { code: string } }>(await fx.call('schedules/to-remove', { method: 'DELETE' }), 404)).error.code).toBe('SCHEDULE_NOT_FOUND');
    for (const action of ['pause', 'resume', 'trigger']) {
      expect((await json<{ error: { code: string } }>(await post(`schedules/nope/${action}`), 404)).error.code).toBe('SCHEDULE_NOT_FOUND');
    }
  });
});

describe('admin API: jobs', () => {
  let ok: JobRecord;
  let dead: JobRecord;
  let queued: JobRecord;

  beforeAll(async () => {
    ok = await fx.scheduler.enqueue({ task: 'ok', data: { n: 1 } });
    await settle(ok, 'succeeded');
    dead = await fx.scheduler.enqueue({ task: 'boom' });
    await settle(dead, 'dead');
    queued = await fx.scheduler.enqueue({ task: 'ok', runAt: clock.now() + 3_600_000 });
  });

  it('an id or filter the stores cannot keep is a 400, checked by the core before any store call', async () => {
    for (const path of ['jobs/a%00b', 'schedules/a%00b', 'jobs?scheduleId=a%00b', 'schedules?idPrefix=a%00']) {
      const body = await json<{ error: { code: string; message: string } }>(await fx.call(path), 400);
      expect(body.error.code, path).toBe('INVALID_ARGUMENT');
    }
    for (const path of ['jobs/a%00b/cancel', 'schedules/a%00b/pause']) {
      const body = await json<{ error: { code: string } }>(await post(path), 400);
      expect(body.error.code, path).toBe('INVALID_ARGUMENT');
    }
  });

  it('lists jobs newest first, filtered by status, task, schedule and creation time, with paging', async () => {
    const all = await json<{ items: JobRecord[] }>(await fx.call('jobs'));
    expect(all.items[0]!.id).toBe(queued.id);
    expect(all.items[0]).not.toHaveProperty('attempts');

    const deadOnly = await json<{ items: JobRecord[] }>(await fx.call('jobs?status=dead'));
    expect(deadOnly.items.map((j) => j.id)).toEqual([dead.id]);
    expect(deadOnly.items[0]!.error).toMatchObject({ name: 'NonRetryableError', message: 'the remote answered 418' });
    expect(deadOnly.items[0]!.error!.stack).toBeUndefined();

    const finals = await json<{ items: JobRecord[] }>(await fx.call('jobs?status=succeeded,dead'));
    expect(finals.items.every((j) => j.status === 'succeeded' || j.status === 'dead')).toBe(true);
    expect((await json<{ items: JobRecord[] }>(await fx.call('jobs?task=boom'))).items.map((j) => j.id)).toEqual([dead.id]);
    expect((await json<{ items: JobRecord[] }>(await fx.call('jobs?scheduleId=tick'))).items.every((j) => j.scheduleId === 'tick')).toBe(true);
    const after = await json<{ items: JobRecord[] }>(await fx.call(`jobs?createdAfter=${ok.createdAtMs}`));
    expect(after.items.map((j) => j.id)).not.toContain(ok.id);
    expect(after.items.map((j) => j.id)).toContain(queued.id);
    const before = await json<{ items: JobRecord[] }>(await fx.call(`jobs?createdBefore=${new Date(dead.createdAtMs).toISOString()}`));
    expect(before.items.map((j) => j.id)).toContain(ok.id);
    expect(before.items.map((j) => j.id)).not.toContain(dead.id);

    const page1 = await json<{ items: JobRecord[]; nextAfterId: string }>(await fx.call('jobs?limit=2'));
    expect(page1.items).toHaveLength(2);
    const page2 = await json<{ items: JobRecord[] }>(await fx.call(`jobs?limit=2&afterId=${page1.nextAfterId}`));
    expect(page2.items[0]!.createdAtMs).toBeLessThanOrEqual(page1.items[1]!.createdAtMs);
    expect(page2.items.map((j) => j.id)).not.toContain(page1.items[1]!.id);

    expect((await json<{ error: { code: string } }>(await fx.call('jobs?status=lost'), 400)).error.code).toBe('INVALID_ARGUMENT');
    expect((await json<{ error: { code: string } }>(await fx.call('jobs?createdAfter=yesterday'), 400)).error.code).toBe('INVALID_ARGUMENT');
  });

  it('shows a job with its attempts, error, stack and timings', async () => {
    const detail = await json<JobRecord>(await fx.call(`jobs/${dead.id}`));
    expect(detail).toMatchObject({ status: 'dead', attempt: 1, maxAttempts: 1 });
    expect(detail.attempts).toEqual([expect.objectContaining({ attempt: 1, nodeId: 'node-under-test', fencingToken: 1, outcome: 'failed' })]);
    expect(detail.error!.stack).toContain('NonRetryableError');
    expect(detail.startedAtMs).not.toBeNull();
    expect(detail.finishedAtMs).not.toBeNull();
    expect((await json<{ error: { code: string } }>(await fx.call('jobs/01900000-0000-7000-8000-000000000000'), 404)).error.code).toBe('JOB_NOT_FOUND');
  });

  it('retries a dead job (409 for a job that is not dead or cancelled)', async () => {
    const conflict = await json<{ error: { code: string } }>(await post(`jobs/${queued.id}/retry`), 409);
    expect(conflict.error.code).toBe('INVALID_JOB_STATE');
    const retried = await json<JobRecord>(await post(`jobs/${dead.id}/retry`));
    expect(retried).toMatchObject({ id: dead.id, status: 'queued', maxAttempts: 2 });
    await settle(retried, 'dead');
    expect((await json<{ error: { code: string } }>(await post('jobs/nope/retry'), 404)).error.code).toBe('JOB_NOT_FOUND');
  });

  it('cancels a queued job (409 for a finished one, 404 for none)', async () => {
    const cancelled = await json<JobRecord>(await post(`jobs/${queued.id}/cancel`));
    expect(cancelled).toMatchObject({ status: 'cancelled' });
    expect((await json<{ error: { code: string } }>(await post(`jobs/${ok.id}/cancel`), 409)).error.code).toBe('INVALID_JOB_STATE');
    expect((await json<{ error: { code: string } }>(await post('jobs/nope/cancel'), 404)).error.code).toBe('JOB_NOT_FOUND');
  });

  it('purges finished jobs by status and age, validating the body', async () => {
    expect((await json<{ error: { code: string } }>(await post('jobs/purge', {}), 400)).error.code).toBe('INVALID_ARGUMENT');
    expect((await json<{ error: { code: string } }>(await post('jobs/purge', { finishedBefore: clock.now() + 1, statuses: ['queued'] }), 400)).error.code).toBe('INVALID_ARGUMENT');
    expect(await json(await post('jobs/purge', { finishedBefore: clock.now() + 1, statuses: ['cancelled'] }))).toEqual({ purged: 1 });
    expect((await json<{ error: { code: string } }>(await fx.call(`jobs/${queued.id}`), 404)).error.code).toBe('JOB_NOT_FOUND');
    expect(await json<{ purged: number }>(await post('jobs/purge', { finishedBefore: new Date(clock.now() + 1).toISOString() }))).toMatchObject({
      purged: expect.any(Number),
    });
    expect((await json<{ items: JobRecord[] }>(await fx.call('jobs?status=succeeded,dead,cancelled'))).items).toEqual([]);
  });
});

describe('admin API: tasks, nodes, stats', () => {
  it('lists known task names, and those a live node runs', async () => {
    expect(await json(await fx.call('tasks'))).toEqual({ items: ['boom', 'ok'], runnable: ['boom', 'ok'] });
    // A job of a task no node registers waits, queued, and its task is known but not runnable.
    await fx.store.enqueueJobs([
      { id: 'job-of-a-newer-version', task: 'newer-task', data: null, origin: 'enqueue', scheduleId: null, fireAtMs: null, priority: 0, runAtMs: clock.now(), maxAttempts: 1, dedupeKey: null, createdAtMs: clock.now() },
    ]);
    await clock.advance('1s');
    expect(await json(await fx.call('tasks'))).toEqual({ items: ['boom', 'newer-task', 'ok'], runnable: ['boom', 'ok'] });
    expect((await fx.store.getJob('job-of-a-newer-version'))?.status).toBe('queued');
    await fx.scheduler.cancelJob('job-of-a-newer-version');
  });

  it('lists nodes with liveness', async () => {
    const { items } = await json<{ items: Array<{ id: string; alive: boolean; tasks: string[] }> }>(await fx.call('nodes'));
    expect(items).toEqual([expect.objectContaining({ id: 'node-under-test', alive: true, tasks: expect.arrayContaining(['ok', 'boom']) })]);
  });

  it('reports outcomes per minute for the last hour, queue depth and lateness', async () => {
    const job = await fx.scheduler.enqueue({ task: 'ok' });
    await settle(job, 'succeeded');
    const stats = await json<{
      nowMs: number;
      byStatus: Record<string, number>;
      finished: Array<{ bucketStartMs: number; succeeded: number }>;
      lateness: { sample: number; p50Ms: number; p99Ms: number };
      nodesAlive: number;
    }>(await fx.call('stats'));
    expect(stats.nowMs).toBe(clock.now());
    expect(stats.finished.length).toBeGreaterThanOrEqual(60);
    expect(stats.finished.at(-1)!.succeeded).toBeGreaterThanOrEqual(1);
    expect(Object.keys(stats.byStatus).sort()).toEqual(['cancelled', 'dead', 'failed', 'queued', 'reserved', 'running', 'succeeded', 'waiting']);
    expect(stats.lateness.sample).toBeGreaterThan(0);
    expect(stats.lateness.p50Ms).toBeGreaterThanOrEqual(0);
    expect(stats.lateness.p99Ms).toBeGreaterThanOrEqual(stats.lateness.p50Ms);
    expect(stats.nodesAlive).toBe(1);
  });
});

describe('admin API: documents and pages', () => {
  it('serves an OpenAPI 3.1 document without auth', async () => {
    const doc = await json<{ openapi: string; paths: Record<string, unknown> }>(await fx.call('openapi.json', { token: null }));
    expect(doc.openapi).toBe('3.1.0');
    for (const path of ['/tasks', '/schedules', '/schedules/{id}', '/schedules/{id}/pause', '/jobs', '/jobs/{id}/retry', '/jobs/{id}/flow', '/jobs/purge', '/breakers', '/breakers/{task}', '/nodes', '/stats', '/events']) {
      expect(doc.paths).toHaveProperty([path]);
    }
  });

  it('serves the dashboard with a strict content security policy, and nothing outside it', async () => {
    const page = await fetch(fx.server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="app.js">');
    expect((await fetch(new URL('app.js', fx.server.url))).headers.get('content-type')).toContain('text/javascript');
    expect((await fetch(new URL('styles.css', fx.server.url))).headers.get('content-type')).toContain('text/css');
    expect((await fetch(new URL('..%2Fadmin-env.ts', fx.server.url))).status).toBe(404);
    expect((await fetch(new URL('create-admin.js', fx.server.url))).status).toBe(404);
    expect((await fx.call('nothing-here')).status).toBe(404);
  });

  it('lets a read-only token read', async () => {
    expect((await fx.call('schedules', { token: readToken })).status).toBe(200);
  });
});
