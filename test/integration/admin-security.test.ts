import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin } from '../../src/admin/index.ts';
import { InvalidArgumentError } from '../../src/index.ts';
import { MemoryStore } from '../../src/memory/index.ts';
import { VirtualClock } from '../../src/testing/index.ts';
import { operateToken, readToken, startAdminFixture, type AdminFixture } from './admin-fixture.ts';

let fx: AdminFixture;

async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, ...body.error };
}

beforeAll(async () => {
  fx = await startAdminFixture({ clock: new VirtualClock(Date.UTC(2026, 2, 2, 12)) });
});
afterAll(async () => {
  await fx?.close();
});

describe('admin auth', () => {
  it('is closed by default: createAdmin needs an auth option, and tokens must be long enough', () => {
    const store = new MemoryStore();
    expect(() => createAdmin({ store } as never)).toThrow(InvalidArgumentError);
    expect(() => createAdmin({ store, auth: {} as never })).toThrow(/Unknown `auth` option/);
    expect(() => createAdmin({ store, auth: { tokens: [] } })).toThrow(/non-empty array/);
    expect(() => createAdmin({ store, auth: { tokens: [{ token: 'short', role: 'operate' }] } })).toThrow(/at least 16 characters/);
    expect(() => createAdmin({ store, auth: { tokens: [{ token: operateToken, role: 'admin' as never }] } })).toThrow(/'read' or 'operate'/);
    expect(() => createAdmin({ auth: { open: 'loopback-dev' } })).toThrow(/`store` or `scheduler`/);
  });

  it('answers 401 without a token, with a wrong one, or with a malformed header', async () => {
    expect(await errorOf(await fx.call('schedules', { token: null }))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await errorOf(await fx.call('schedules', { token: `${operateToken}x` }))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await errorOf(await fx.call('schedules', { headers: { authorization: `Basic ${operateToken}` } }))).toMatchObject({ status: 401 });
    expect((await fx.call('schedules', { token: null, headers: { 'x-sundial-token': operateToken } })).status).toBe(200);
    const unauthenticated = await fx.call('jobs', { token: null });
    expect(unauthenticated.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('lets role read GET but not change anything (403)', async () => {
    expect((await fx.call('jobs', { token: readToken })).status).toBe(200);
    for (const [method, path] of [
      ['POST', 'schedules/tick/pause'],
      ['POST', 'schedules/tick/trigger'],
      ['DELETE', 'schedules/tick'],
      ['POST', 'jobs/purge'],
    ] as const) {
      expect(await errorOf(await fx.call(path, { method, token: readToken }))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    }
    expect((await fx.scheduler.getSchedule('tick'))!.paused).toBe(false);
  });

  it('calls an authorize hook for each request', async () => {
    const admin = createAdmin({
      scheduler: fx.scheduler,
      auth: { authorize: (request) => (request.headers.get('x-user') === 'ops' ? 'operate' : request.headers.get('x-user') === 'viewer' ? 'read' : null) },
    });
    const get = (user?: string) => admin.fetch(new Request('http://admin.test/api/schedules', { headers: user ? { 'x-user': user } : {} }));
    expect((await get()).status).toBe(401);
    expect((await get('viewer')).status).toBe(200);
    const pause = (user: string, headers: Record<string, string> = {}) =>
      admin.fetch(new Request('http://admin.test/api/schedules/tick/pause', { method: 'POST', headers: { 'x-user': user, ...headers } }));
    expect((await pause('viewer', { 'x-sundial-csrf': '1' })).status).toBe(403);
    // The hook may use cookies: a write then also needs the custom header.
    expect(await errorOf(await pause('ops'))).toMatchObject({ status: 403, code: 'CSRF_REJECTED' });
    expect((await pause('ops', { 'x-sundial-csrf': '1' })).status).toBe(200);
    expect((await fx.scheduler.resume('tick')).paused).toBe(false);
  });

  it("answers loopback requests only in { open: 'loopback-dev' }, and still guards writes", async () => {
    const admin = createAdmin({ scheduler: fx.scheduler, auth: { open: 'loopback-dev' } });
    expect((await admin.fetch(new Request('http://127.0.0.1:4680/api/jobs'))).status).toBe(200);
    expect((await admin.fetch(new Request('http://localhost/api/jobs'))).status).toBe(200);
    // A rebound DNS name pointing at 127.0.0.1 still carries its own Host: refused.
    expect(await errorOf(await admin.fetch(new Request('http://evil.example/api/jobs')))).toMatchObject({ status: 403, code: 'LOOPBACK_ONLY' });
    const remote = await admin.fetch(new Request('http://localhost/api/jobs'), { incoming: { socket: { remoteAddress: '10.0.0.8' } } });
    expect(remote.status).toBe(403);
    const write = (headers: Record<string, string>) => admin.fetch(new Request('http://localhost/api/schedules/tick/resume', { method: 'POST', headers }));
    expect(await errorOf(await write({}))).toMatchObject({ status: 403, code: 'CSRF_REJECTED' });
    expect((await write({ 'x-sundial-csrf': '1' })).status).toBe(200);
  });
});

describe('admin CSRF protection', () => {
  const pause = (headers: Record<string, string>, token: string | null = operateToken) => fx.call('schedules/tick/pause', { method: 'POST', token, headers });

  it('refuses state-changing requests from another origin, whatever the credentials', async () => {
    expect(await errorOf(await pause({ origin: 'https://evil.example' }))).toMatchObject({ status: 403, code: 'CSRF_REJECTED' });
    expect(await errorOf(await pause({ 'sec-fetch-site': 'cross-site' }))).toMatchObject({ status: 403, code: 'CSRF_REJECTED' });
    expect(await errorOf(await pause({ 'sec-fetch-site': 'same-site' }))).toMatchObject({ status: 403, code: 'CSRF_REJECTED' });
    expect((await fx.scheduler.getSchedule('tick'))!.paused).toBe(false);
    // Same origin passes.
    expect((await pause({ origin: new URL(fx.server.url).origin, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    await fx.scheduler.resume('tick');
  });
  // The session cookie (reads only, never a write) is tested in admin-session.test.ts.
});

describe('admin input limits and errors', () => {
  it('limits the body to 16 KiB, declared or streamed', async () => {
    const big = JSON.stringify({ finishedBefore: 0, padding: 'x'.repeat(17 * 1024) });
    expect(await errorOf(await fx.call('jobs/purge', { method: 'POST', body: big, headers: { 'content-type': 'application/json' } }))).toMatchObject({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    });
    // Chunked, without Content-Length: counted as it arrives.
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1024)));
        controller.close();
      },
    });
    const streamed = await fx.call('jobs/purge', { method: 'POST', body: chunks, headers: { 'content-type': 'application/json' }, duplex: 'half' } as RequestInit);
    expect(await errorOf(streamed)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('wants JSON bodies', async () => {
    expect(await errorOf(await fx.call('jobs/purge', { method: 'POST', body: '{nope', headers: { 'content-type': 'application/json' } }))).toMatchObject({
      status: 400,
      code: 'INVALID_JSON',
    });
    expect(await errorOf(await fx.call('jobs/purge', { method: 'POST', body: 'finishedBefore=0', headers: { 'content-type': 'application/x-www-form-urlencoded' } }))).toMatchObject({
      status: 415,
    });
  });

  it('never sends a server stack trace: unexpected errors are logged and answered generically', async () => {
    const store = new MemoryStore();
    const failure = new Error('disk on fire at /var/lib/secret.db');
    store.listJobs = () => Promise.reject(failure);
    const reported: unknown[] = [];
    const admin = createAdmin({ store, auth: { tokens: [{ token: operateToken, role: 'operate' }] }, onError: (error) => reported.push(error) });
    const response = await admin.fetch(new Request('http://admin.test/api/jobs', { headers: { authorization: `Bearer ${operateToken}` } }));
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(JSON.parse(text)).toEqual({ error: { code: 'INTERNAL', message: 'Internal error; see the server log' } });
    expect(text).not.toContain('secret');
    expect(text).not.toContain('    at ');
    expect(reported).toEqual([failure]);
    await admin.close(); // it started a client scheduler on the store
  });
});

describe('admin mounting', () => {
  let server: Server;
  let origin: string;

  beforeAll(async () => {
    const admin = createAdmin({ scheduler: fx.scheduler, basePath: '/admin', auth: { tokens: [{ token: operateToken, role: 'operate' }, { token: readToken, role: 'read' }] } });
    const listener = getRequestListener(admin.fetch);
    // The application's own server: /admin goes to Sundial, the rest stays the app's.
    server = createServer((req, res) => (req.url?.startsWith('/admin') ? void listener(req, res) : res.end('app')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('serves the API and the dashboard under a base path in a plain node:http server', async () => {
    const api = await fetch(`${origin}/admin/api/schedules`, { headers: { authorization: `Bearer ${operateToken}` } });
    expect(api.status).toBe(200);
    expect(((await api.json()) as { items: unknown[] }).items).toHaveLength(3);
    const redirect = await fetch(`${origin}/admin`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/admin/');
    expect((await fetch(`${origin}/admin/`)).headers.get('content-type')).toContain('text/html');
    expect(await (await fetch(`${origin}/other`)).text()).toBe('app');
    const login = await fetch(`${origin}/admin/api/session`, { method: 'POST', headers: { authorization: `Bearer ${operateToken}` } });
    expect(login.headers.get('set-cookie')).toContain('Path=/admin/api;');
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(`${origin}/admin/api/schedules`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${origin}/admin/api/schedules/tick/pause`, { method: 'POST', headers: { cookie, 'x-sundial-csrf': '1' } })).status).toBe(403);
    const signOut = await fetch(`${origin}/admin/api/session`, { method: 'DELETE', headers: { cookie, 'x-sundial-csrf': '1' } });
    expect(signOut.status).toBe(200);
    expect(signOut.headers.get('set-cookie')).toContain('Path=/admin/api;');
    expect((await fetch(`${origin}/admin/api/schedules`, { headers: { cookie } })).status).toBe(401);
    const readLogin = await fetch(`${origin}/admin/api/session`, { method: 'POST', headers: { authorization: `Bearer ${readToken}` } });
    expect(readLogin.status).toBe(200);
  });

  it('rejects a malformed base path', () => {
    expect(() => createAdmin({ scheduler: fx.scheduler, basePath: 'admin/', auth: { open: 'loopback-dev' } })).toThrow(InvalidArgumentError);
  });
});
