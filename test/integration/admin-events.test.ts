import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin } from '../../src/admin/index.ts';
import type { JobRecord } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';
import { VirtualClock } from '../../src/testing/index.ts';
import { operateToken, readEvents, startAdminFixture, type AdminFixture, type SseEvent } from './admin-fixture.ts';

let fx: AdminFixture;

beforeAll(async () => {
  fx = await startAdminFixture({ clock: new VirtualClock(Date.UTC(2026, 2, 2, 12)) });
});
afterAll(async () => {
  await fx?.close();
});

function connect(lastEventId?: string): Promise<Response> {
  return fx.call('events', { headers: lastEventId ? { 'last-event-id': lastEventId } : {} });
}

async function trigger(): Promise<JobRecord> {
  const response = await fx.call('schedules/tick/trigger', { method: 'POST' });
  return ((await response.json()) as { job: JobRecord }).job;
}

const succeeded = (jobId: string) => (events: SseEvent[]) => events.some((e) => e.event === 'job.succeeded' && JSON.parse(e.data).id === jobId);

describe('admin event stream (SSE)', () => {
  let lastId: string;
  let job1: JobRecord;

  it('streams job transitions from the store change feed, each with a resumable id', async () => {
    const stream = await connect();
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    // The stream's cursor is fixed once the response has started: this job comes after it.
    job1 = await trigger();
    const events = await readEvents(stream, succeeded(job1.id));
    expect(events[0]).toMatchObject({ event: 'ready', id: expect.stringMatching(/^\d+-$/) });
    const forJob = events.filter((e) => e.data.includes(job1.id));
    expect(forJob.map((e) => e.event)).toContain('job.succeeded');
    const done = forJob.find((e) => e.event === 'job.succeeded')!;
    expect(done.id).toMatch(new RegExp(`^\\d+-${job1.id}$`));
    expect(JSON.parse(done.data)).toMatchObject({ id: job1.id, task: 'ok', status: 'succeeded', scheduleId: 'tick' });
    expect(JSON.parse(done.data)).not.toHaveProperty('attempts');
    lastId = done.id!;
  });

  it('resumes after Last-Event-ID with only newer changes', async () => {
    const stream = await connect(lastId);
    const job2 = await trigger();
    const events = await readEvents(stream, succeeded(job2.id));
    const jobEvents = events.filter((e) => e.event.startsWith('job.'));
    expect(jobEvents.length).toBeGreaterThan(0);
    expect(jobEvents.some((e) => e.data.includes(job1.id))).toBe(false);
    const cursor = Number(lastId.split('-')[0]);
    for (const event of jobEvents) expect(Number(event.id!.split('-')[0])).toBeGreaterThanOrEqual(cursor);
    // The query-string form, for clients that cannot set the header.
    const viaQuery = await fx.call(`events?lastEventId=${encodeURIComponent(lastId)}`);
    const replay = await readEvents(viaQuery, succeeded(job2.id));
    expect(replay.some((e) => e.data.includes(job1.id))).toBe(false);
  });

  it('streams schedule changes (no id, so the job cursor stays the Last-Event-ID)', async () => {
    const stream = await connect();
    // Wait for the stream's first listing of the schedules, then change one.
    let resumed: Promise<Response> | undefined;
    const events = await readEvents(stream, (seen) => {
      if (seen.length > 0 && !resumed) resumed = fx.call('schedules/boom-hourly/resume', { method: 'POST' });
      return seen.some((e) => e.event === 'schedule.resumed');
    });
    expect((await resumed)!.status).toBe(200);
    const event = events.find((e) => e.event === 'schedule.resumed')!;
    expect(event.id).toBeUndefined();
    expect(JSON.parse(event.data)).toMatchObject({ scheduleId: 'boom-hourly', schedule: { paused: false } });
    expect(JSON.parse(event.data).schedule).not.toHaveProperty('leaseToken');
    await fx.scheduler.pause('boom-hourly');
  });

  it('needs auth, and refuses an id it did not send', async () => {
    expect((await fx.call('events', { token: null })).status).toBe(401);
    const bad = await connect('not-an-id');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('INVALID_ARGUMENT');
  });

  it('bounds the number of open streams, and close() ends them', async () => {
    const admin = createAdmin({ scheduler: fx.scheduler, auth: { tokens: [{ token: operateToken, role: 'operate' }] }, maxEventStreams: 1, eventPollIntervalMs: 20 });
    const request = () => admin.fetch(new Request('http://admin.test/api/events', { headers: { authorization: `Bearer ${operateToken}` } }));
    const open = await request();
    expect(open.status).toBe(200);
    const reading = readEvents(open, () => false);
    const second = await request();
    expect(second.status).toBe(503);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe('TOO_MANY_STREAMS');
    await admin.close();
    const events = await reading; // the stream ended
    expect(events[0]!.event).toBe('ready');
  });
});

describe('sundial serve', () => {
  const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
  let dir: string;
  let storePath: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sundial-serve-'));
    storePath = join(dir, 'serve.db');
    const store = new SqliteStore(storePath);
    await store.open();
    await store.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function run(args: string[], env: NodeJS.ProcessEnv = {}, onOutput?: (text: string, stop: () => void) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [main, 'serve', ...args], { env: { ...process.env, SUNDIAL_STORE: '', SUNDIAL_ADMIN_TOKEN: '', ...env } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        onOutput?.(stdout, () => child.kill('SIGTERM'));
      });
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('refuses to start without a token', async () => {
    const result = await run(['--store', storePath, '--port', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Refusing to serve without a token');
  });

  it('refuses --open-loopback-dev on a non-loopback address', async () => {
    const result = await run(['--store', storePath, '--open-loopback-dev', '--host', '0.0.0.0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('binds loopback only');
  });

  it('serves the API with the token from SUNDIAL_ADMIN_TOKEN until SIGTERM', async () => {
    let checked: Promise<number[]> | undefined;
    const result = await run(['--store', storePath, '--port', '0'], { SUNDIAL_ADMIN_TOKEN: operateToken }, (stdout, stop) => {
      const url = /at (http:\/\/\S+\/) /.exec(stdout)?.[1];
      if (!url || checked) return;
      checked = Promise.all([
        fetch(`${url}api/schedules`).then((r) => r.status),
        fetch(`${url}api/schedules`, { headers: { authorization: `Bearer ${operateToken}` } }).then((r) => r.status),
        fetch(url).then((r) => r.status),
      ]).finally(stop);
    });
    expect(await checked).toEqual([401, 200, 200]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('SIGTERM: stopping.');
  });
});
