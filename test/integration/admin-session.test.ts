import { createHmac, hkdfSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin, serveAdmin, type AdminServer } from '../../src/admin/index.ts';
import { VirtualClock } from '../../src/testing/index.ts';
import { operateToken, readToken, startAdminFixture, type AdminFixture } from './admin-fixture.ts';

// The dashboard's session cookie (docs/admin.md, "The dashboard's session"), over real HTTP.

const startMs = Date.UTC(2026, 2, 2, 12);
const hourMs = 60 * 60 * 1000;
/** The admin's clock (sessions expire by it); the scheduler has its own. */
let adminClock: VirtualClock;
/** What the admin handed to `onError`: a refused credential must never land there. */
const reported: unknown[] = [];
let fx: AdminFixture;
let origin: string;

beforeAll(async () => {
  adminClock = new VirtualClock(startMs);
  fx = await startAdminFixture({ clock: new VirtualClock(startMs), admin: { clock: adminClock, onError: (error) => reported.push(error) } });
  origin = new URL(fx.server.url).origin;
});
afterAll(async () => {
  await fx?.close();
});

async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, ...body.error };
}

/** Signs in with `token` and returns the `Set-Cookie` header and the `name=value` to send back. */
async function signIn(token = operateToken, server: { url: string } = fx.server): Promise<{ setCookie: string; cookie: string; value: string }> {
  const response = await fetch(new URL('api/session', server.url), { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  const setCookie = response.headers.get('set-cookie')!;
  const cookie = setCookie.split(';')[0]!;
  return { setCookie, cookie, value: cookie.slice(cookie.indexOf('=') + 1) };
}

/** A request with the cookie alone (no token). */
function withCookie(path: string, cookie: string, init: RequestInit = {}): Promise<Response> {
  return fx.call(path, { ...init, token: null, headers: { ...(init.headers as Record<string, string>), cookie } });
}

/** A session value made the way the docs describe it, signed with `token`: what a token's holder could forge. */
function mint(token: string, fields: { expiresAtMs: number; role: string; id?: string }): string {
  const key = Buffer.from(hkdfSync('sha256', token, '', 'sundial admin session v1', 32));
  const payload = `v1.${fields.expiresAtMs}.${fields.role}.${fields.id ?? 'AAAAAAAAAAAAAAAAAAAAAA'}`;
  return `${payload}.${createHmac('sha256', key).update(payload).digest('base64url')}`;
}

/** Opens the event stream with `cookie`: resolves `ready` once the first event arrived, `ended` when the server ends it. */
async function openStream(
  cookie: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; ready: Promise<void>; ended: Promise<void>; cancel(): Promise<void> }> {
  const response = await fetch(new URL('api/events', fx.server.url), { headers: { cookie, ...headers } });
  if (!response.ok) {
    const refused = Promise.reject(new Error(`The stream was refused (${response.status})`));
    refused.catch(() => undefined); // only awaited by a test that expected it open
    return { status: response.status, ready: refused, ended: Promise.resolve(), cancel: async () => {} };
  }
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const ended = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      text += value;
      if (text.includes('event: ready')) onReady();
    }
  })();
  return { status: response.status, ready, ended, cancel: () => reader.cancel() };
}

/** Resolves with 'ended', or 'still open' after `ms` (the stream polls every 50 ms here). */
function endsWithin(stream: { ended: Promise<void> }, ms: number): Promise<'ended' | 'still open'> {
  return Promise.race([stream.ended.then(() => 'ended' as const), new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), ms))]);
}

describe('the session cookie is not the token', () => {
  it('is an opaque, signed, expiring value, HttpOnly, SameSite=Strict, under the API path', async () => {
    const { setCookie, value } = await signIn();
    expect(setCookie).toMatch(/^sundial_session=/);
    expect(value).toMatch(/^v1\.\d+\.operate\.[\w-]{22}\.[\w-]{43}$/);
    expect(setCookie).not.toContain(operateToken);
    expect(setCookie).not.toContain(encodeURIComponent(operateToken));
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/api;');
    expect(setCookie).toContain('Max-Age=3600');
    expect(setCookie).not.toContain('Secure'); // plain http here
    expect((await signIn()).value).not.toBe(value);
    const body = await (await fx.call('session', { method: 'POST' })).json();
    expect(body).toEqual({ role: 'operate', mode: 'tokens', session: { role: 'operate', expiresAtMs: adminClock.now() + hourMs } });
  });

  it('is refused as a bearer token and as X-Sundial-Token, for reads and writes', async () => {
    const { value } = await signIn();
    expect(await errorOf(await fx.call('schedules', { token: value }))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', message: 'Invalid token' });
    expect((await fx.call('schedules', { token: null, headers: { 'x-sundial-token': value } })).status).toBe(401);
    expect((await fx.call('schedules/tick/pause', { method: 'POST', token: value })).status).toBe(401);
    expect((await fx.call('schedules/tick/pause', { method: 'POST', token: null, headers: { 'x-sundial-token': value } })).status).toBe(401);
    expect((await fx.scheduler.getSchedule('tick'))!.paused).toBe(false);
  });

  it('is marked Secure when the page is on HTTPS, or signed in from an allowed https Origin', async () => {
    const admin = createAdmin({ scheduler: fx.scheduler, auth: { tokens: [{ token: operateToken, role: 'operate' }] }, allowedOrigins: ['https://admin.example'] });
    const post = (url: string, headers: Record<string, string> = {}) =>
      admin.fetch(new Request(url, { method: 'POST', headers: { authorization: `Bearer ${operateToken}`, ...headers } }));
    expect((await post('https://admin.example/api/session')).headers.get('set-cookie')).toContain('; Secure');
    expect((await post('http://10.0.0.5:4680/api/session', { origin: 'https://admin.example' })).headers.get('set-cookie')).toContain('; Secure');
    expect((await post('http://10.0.0.5:4680/api/session')).headers.get('set-cookie')).not.toContain('Secure');
  });
});

describe('the cookie alone only reads', () => {
  it('reads: GET and the event stream; GET /session says read, and the role the session was made with', async () => {
    const { cookie } = await signIn();
    expect((await withCookie('schedules', cookie)).status).toBe(200);
    expect(await (await withCookie('session', cookie)).json()).toEqual({ role: 'read', mode: 'tokens', session: { role: 'operate', expiresAtMs: adminClock.now() + hourMs } });
    const stream = await openStream(cookie);
    expect(stream.status).toBe(200);
    await stream.ready;
    await stream.cancel();
  });

  it('cannot write, even with the custom header and our Origin, nor make itself a new session', async () => {
    const { cookie } = await signIn();
    const browserLike = { 'x-sundial-csrf': '1', origin, 'sec-fetch-site': 'same-origin' };
    for (const [method, path] of [
      ['POST', 'schedules/tick/pause'],
      ['POST', 'schedules/tick/trigger'],
      ['DELETE', 'schedules/tick'],
      ['POST', 'jobs/purge'],
      ['POST', 'session'],
    ] as const) {
      const answer = await errorOf(await withCookie(path, cookie, { method, headers: browserLike }));
      expect(answer, `${method} ${path}`).toMatchObject({ status: 403, code: 'FORBIDDEN' });
      expect(answer.message).toContain('only reads');
    }
    expect((await fx.scheduler.getSchedule('tick'))!.paused).toBe(false);
    // The token in a header, next to the cookie, is what writes (the dashboard's way).
    expect((await fx.call('schedules/tick/pause', { method: 'POST', headers: { cookie, ...browserLike } })).status).toBe(200);
    await fx.scheduler.resume('tick');
  });

  it('made with a read token, stays read: a session claiming more than its token is refused', async () => {
    const { cookie, value } = await signIn(readToken);
    expect(value).toMatch(/^v1\.\d+\.read\./);
    expect(await (await withCookie('session', cookie)).json()).toMatchObject({ role: 'read', session: { role: 'read' } });
    // Tampering with the role breaks the MAC; a read token's holder signing "operate" is refused too.
    expect((await withCookie('schedules', `sundial_session=${value.replace('.read.', '.operate.')}`)).status).toBe(401);
    const forged = mint(readToken, { expiresAtMs: adminClock.now() + hourMs, role: 'operate' });
    expect(await errorOf(await withCookie('session', `sundial_session=${forged}`))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    // The same claim signed with the operate token is a valid session (of an operator).
    const genuine = mint(operateToken, { expiresAtMs: adminClock.now() + hourMs, role: 'operate' });
    expect(await (await withCookie('session', `sundial_session=${genuine}`)).json()).toMatchObject({ session: { role: 'operate' } });
  });
});

describe('a cookie that does not verify is a 401, and nothing is logged', () => {
  it('refuses an expired session, and one that claims to live longer than this admin makes them', async () => {
    const { cookie } = await signIn();
    await adminClock.advance('59m');
    expect((await withCookie('schedules', cookie)).status).toBe(200);
    await adminClock.advance('1m');
    expect(await errorOf(await withCookie('schedules', cookie))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', message: expect.stringContaining('expired') });
    const farFuture = mint(operateToken, { expiresAtMs: adminClock.now() + 10 * 365 * 24 * hourMs, role: 'read' });
    expect((await withCookie('schedules', `sundial_session=${farFuture}`)).status).toBe(401);
    const withinSkew = mint(operateToken, { expiresAtMs: adminClock.now() + hourMs + 60_000, role: 'read' });
    expect((await withCookie('schedules', `sundial_session=${withinSkew}`)).status).toBe(200);
  });

  it('refuses a tampered cookie, one signed by a token not configured, and garbage', async () => {
    const { value } = await signIn();
    const [version, expires, role, id, mac] = value.split('.') as [string, string, string, string, string];
    const flip = (text: string) => (text[0] === 'A' ? 'B' : 'A') + text.slice(1);
    const cookies = [
      // Tampered, one field at a time.
      `${version}.${Number(expires) + 1000}.${role}.${id}.${mac}`,
      `${version}.${expires}.${role}.${flip(id)}.${mac}`,
      `${version}.${expires}.${role}.${id}.${flip(mac)}`,
      `v2.${expires}.${role}.${id}.${mac}`,
      mint('some-other-token-0123456789', { expiresAtMs: adminClock.now() + hourMs, role: 'read' }),
      // Not a session at all: bad percent-encoding, the raw token, empty, quoted, the wrong shape.
      '%',
      '%E0%A4%A',
      encodeURIComponent(operateToken),
      operateToken,
      '',
      `"${value}"`,
      `${value}.`,
      `${value}%00`,
      'v1.....',
      `v1.${'9'.repeat(40)}.read.${id}.${mac}`,
      'x'.repeat(4000),
    ];
    for (const bad of cookies) {
      const response = await withCookie('schedules', `sundial_session=${bad}`);
      expect(response.headers.get('content-type'), bad).toContain('application/json');
      expect(await errorOf(response), bad).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    }
    expect(await errorOf(await withCookie('schedules', `sundial_session=v2.${expires}.${role}.${id}.${mac}`))).toMatchObject({ message: expect.stringContaining('Unknown session cookie version') });
    expect(await errorOf(await withCookie('schedules', 'sundial_session=%'))).toMatchObject({ message: expect.stringContaining('Malformed') });
    expect(reported).toEqual([]);
  });

  it("answers the issue's `sundial_token=%` and other malformed cookie headers with 401", async () => {
    for (const header of ['sundial_token=%', 'sundial_token=%; sundial_session=%', '=;;=%;', 'sundial_session', ';', `sundial_token=${operateToken}`]) {
      expect(await errorOf(await withCookie('schedules', header)), header).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
      expect((await withCookie('events', header)).status, header).toBe(401);
    }
    expect(reported).toEqual([]);
  });

  it('answers malformed Authorization and X-Sundial-Token headers with 401', async () => {
    for (const authorization of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer %', 'Basic b3BlcmF0ZQ==', 'bearer', operateToken, `Bearer ${operateToken} x`]) {
      const response = await fx.call('schedules', { headers: { authorization } });
      expect(await errorOf(response), authorization).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
      expect(response.headers.get('www-authenticate'), authorization).toContain('Bearer');
    }
    for (const token of ['%', '', ' ', 'x'.repeat(4000)]) {
      expect((await fx.call('schedules', { token: null, headers: { 'x-sundial-token': token } })).status, JSON.stringify(token)).toBe(401);
    }
    expect(reported).toEqual([]);
  });

  it('uses the token in a header when there is one: a bad cookie next to it does not matter', async () => {
    expect((await fx.call('schedules', { headers: { cookie: 'sundial_session=%' } })).status).toBe(200);
  });

  it('takes any one valid session among several cookies of that name (another service may set one)', async () => {
    const { value } = await signIn();
    expect((await withCookie('schedules', `sundial_session=junk; other=1; sundial_session=${value}`)).status).toBe(200);
  });
});

describe('sign-out', () => {
  it('ends the session in this process (a copy of the cookie too) and the event streams opened with it', async () => {
    const { cookie } = await signIn();
    const stream = await openStream(cookie);
    await stream.ready;
    expect(await endsWithin(stream, 200)).toBe('still open');
    // The cookie alone may sign itself out, with the custom header like any browser write.
    expect(await errorOf(await withCookie('session', cookie, { method: 'DELETE' }))).toMatchObject({ status: 403, code: 'CSRF_REJECTED' });
    const signOut = await withCookie('session', cookie, { method: 'DELETE', headers: { 'x-sundial-csrf': '1', origin } });
    expect(signOut.status).toBe(200);
    expect(signOut.headers.get('set-cookie')).toMatch(/^sundial_session=; Path=\/api; HttpOnly; SameSite=Strict; Max-Age=0/);
    expect(await endsWithin(stream, 5_000)).toBe('ended');
    expect(await errorOf(await withCookie('schedules', cookie))).toMatchObject({ status: 401, message: expect.stringContaining('signed out') });
    expect((await openStream(cookie)).status).toBe(401);
  });

  it('ends the session in the cookie when the dashboard signs out with its token', async () => {
    const { cookie } = await signIn();
    expect((await fx.call('session', { method: 'DELETE', headers: { cookie, 'x-sundial-csrf': '1' } })).status).toBe(200);
    expect((await withCookie('schedules', cookie)).status).toBe(401);
    expect(reported).toEqual([]);
  });

  it('lets a read token sign in and out (the cookie still only reads)', async () => {
    const { cookie } = await signIn(readToken);
    expect((await fx.call('session', { method: 'DELETE', token: readToken, headers: { cookie } })).status).toBe(200);
    expect((await withCookie('schedules', cookie)).status).toBe(401);
  });
});

describe('event streams and expiry', () => {
  it('ends a stream opened with a session when the session expires; a stream opened with a token goes on', async () => {
    const { cookie } = await signIn();
    const byCookie = await openStream(cookie);
    await byCookie.ready;
    const byToken = await openStream('', { authorization: `Bearer ${operateToken}` });
    await byToken.ready;
    await adminClock.advance('30m');
    expect(await endsWithin(byCookie, 200)).toBe('still open');
    await adminClock.advance('30m');
    expect(await endsWithin(byCookie, 5_000)).toBe('ended');
    expect(await endsWithin(byToken, 300)).toBe('still open');
    await byToken.cancel();
  });
});

describe('several admins', () => {
  let replica: AdminServer;
  let rotated: AdminServer;

  beforeAll(async () => {
    const base = { scheduler: fx.scheduler, port: 0, clock: adminClock, eventPollIntervalMs: 50, onError: (error: unknown) => reported.push(error) };
    replica = await serveAdmin({ ...base, auth: { tokens: [{ token: readToken, role: 'read' }, { token: operateToken, role: 'operate' }] } });
    rotated = await serveAdmin({ ...base, auth: { tokens: [{ token: 'rotated-operate-token-0123456789', role: 'operate' }, { token: readToken, role: 'read' }] } });
  });
  afterAll(async () => {
    await replica?.close();
    await rotated?.close();
  });

  const get = (server: AdminServer, cookie: string) => fetch(new URL('api/schedules', server.url), { headers: { cookie } });

  it("accept each other's sessions when configured with the same tokens; a removed token's sessions are refused", async () => {
    const { cookie } = await signIn();
    expect((await get(replica, cookie)).status).toBe(200);
    expect((await get(rotated, cookie)).status).toBe(401);
    // The read token is still configured there: its sessions still work.
    expect((await get(rotated, (await signIn(readToken)).cookie)).status).toBe(200);
    expect((await get(fx.server, (await signIn(operateToken, replica)).cookie)).status).toBe(200);
  });

  it('do not share sign-outs: a copy of a signed-out cookie works on another replica until it expires', async () => {
    const { cookie } = await signIn();
    expect((await withCookie('session', cookie, { method: 'DELETE', headers: { 'x-sundial-csrf': '1', origin } })).status).toBe(200);
    expect((await get(fx.server, cookie)).status).toBe(401);
    expect((await get(replica, cookie)).status).toBe(200);
    await adminClock.advance('1h');
    expect((await get(replica, cookie)).status).toBe(401);
  });
});

describe('authorize and loopback-dev modes have no sessions', () => {
  it('POST /session sets no cookie and answers the role', async () => {
    const hooked = createAdmin({ scheduler: fx.scheduler, auth: { authorize: (request) => (request.headers.get('x-user') === 'ops' ? 'operate' : null) } });
    const a = await hooked.fetch(new Request('http://admin.test/api/session', { method: 'POST', headers: { 'x-user': 'ops', 'x-sundial-csrf': '1' } }));
    expect(a.headers.get('set-cookie')).toBeNull();
    expect(await a.json()).toEqual({ role: 'operate', mode: 'authorize' });
    const open = createAdmin({ scheduler: fx.scheduler, auth: { open: 'loopback-dev' } });
    const b = await open.fetch(new Request('http://localhost/api/session', { method: 'POST', headers: { 'x-sundial-csrf': '1' } }));
    expect(b.headers.get('set-cookie')).toBeNull();
    expect(await b.json()).toEqual({ role: 'operate', mode: 'open' });
    // A session cookie from elsewhere means nothing to them.
    const { cookie } = await signIn();
    expect((await hooked.fetch(new Request('http://admin.test/api/schedules', { headers: { cookie } }))).status).toBe(401);
  });
});
