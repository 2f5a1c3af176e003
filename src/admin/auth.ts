import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { InvalidArgumentError } from '../index.ts';
import type { AdminEnv, AdminRole } from './admin-env.ts';
import { ApiError } from './api-error.ts';

/**
 * Who may use the admin API. Closed by default: there is no "no auth" value, only an explicit
 * development mode that answers loopback requests alone.
 *
 * - `tokens`: bearer tokens, each with a role (`Authorization: Bearer <token>` or `X-Sundial-Token`).
 * - `authorize`: your own check (a session, an SSO proxy's header, …): return a role or null.
 * - `open: 'loopback-dev'`: everyone on this machine operates, for local development only.
 *
 * @example { tokens: [{ token: process.env.SUNDIAL_ADMIN_TOKEN!, role: 'operate' }] }
 */
export type AdminAuth =
  | { tokens: ReadonlyArray<{ token: string; role: AdminRole }> }
  | { authorize: (request: Request) => AdminRole | null | Promise<AdminRole | null> }
  | { open: 'loopback-dev' };

/** The cookie the dashboard's EventSource authenticates with (EventSource cannot send headers). */
export const sessionCookieName = 'sundial_token';
/** Sent by the dashboard on every state-changing request: a custom header a cross-site form cannot add. */
export const csrfHeaderName = 'x-sundial-csrf';
const minTokenLength = 16;
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isSafeMethod(method: string): boolean {
  return safeMethods.has(method.toUpperCase());
}

/** Checks the auth option once, at `createAdmin`, so that a misconfiguration fails at startup. */
export function assertAdminAuth(auth: unknown): asserts auth is AdminAuth {
  const hint = "pass `auth: { tokens: [{ token, role: 'operate' }] }`, `{ authorize(request) }` or `{ open: 'loopback-dev' }`";
  if (typeof auth !== 'object' || auth === null) throw new InvalidArgumentError(`Expected \`auth\` in the admin options; ${hint}`);
  if ('tokens' in auth) {
    const tokens = (auth as { tokens: unknown }).tokens;
    if (!Array.isArray(tokens) || tokens.length === 0) throw new InvalidArgumentError(`Expected \`auth.tokens\` to be a non-empty array; ${hint}`);
    for (const [i, entry] of tokens.entries()) {
      const { token, role } = (entry ?? {}) as { token?: unknown; role?: unknown };
      if (typeof token !== 'string' || token.length < minTokenLength) {
        throw new InvalidArgumentError(`Expected \`auth.tokens[${i}].token\` to be a string of at least ${minTokenLength} characters`);
      }
      if (role !== 'read' && role !== 'operate') {
        throw new InvalidArgumentError(`Expected \`auth.tokens[${i}].role\` to be 'read' or 'operate', got ${JSON.stringify(role)}`);
      }
    }
    return;
  }
  if ('authorize' in auth && typeof (auth as { authorize: unknown }).authorize === 'function') return;
  if ('open' in auth && (auth as { open: unknown }).open === 'loopback-dev') return;
  throw new InvalidArgumentError(`Unknown \`auth\` option; ${hint}`);
}

/**
 * Authenticates every API request, sets its role, and guards state-changing requests against
 * cross-site request forgery (see docs/admin.md, "Security").
 */
export function authMiddleware(auth: AdminAuth, allowedOrigins: readonly string[]): MiddlewareHandler<AdminEnv> {
  const tokens = 'tokens' in auth ? auth.tokens.map(({ token, role }) => ({ digest: digest(token), role })) : [];
  return async (c, next) => {
    const unsafe = !isSafeMethod(c.req.method);
    if (unsafe) assertSameOrigin(c, allowedOrigins);
    let role: AdminRole | null;
    if ('open' in auth) {
      assertLoopback(c);
      role = 'operate';
      if (unsafe) assertCustomHeader(c);
    } else if ('authorize' in auth) {
      role = await auth.authorize(c.req.raw);
      if (role === null) throw new ApiError(401, 'UNAUTHENTICATED', 'Not authenticated');
      if (role !== 'read' && role !== 'operate') throw new Error(`authorize() returned ${JSON.stringify(role)}; expected 'read', 'operate' or null`);
      if (unsafe) assertCustomHeader(c);
    } else {
      const fromHeader = headerToken(c);
      const fromCookie = fromHeader === null ? cookieToken(c) : null;
      const given = fromHeader ?? fromCookie;
      if (given === null) {
        c.header('WWW-Authenticate', 'Bearer realm="sundial"');
        throw new ApiError(401, 'UNAUTHENTICATED', 'Missing token: send `Authorization: Bearer <token>`');
      }
      role = matchToken(tokens, given);
      if (role === null) {
        c.header('WWW-Authenticate', 'Bearer realm="sundial", error="invalid_token"');
        throw new ApiError(401, 'UNAUTHENTICATED', 'Invalid token');
      }
      // A cookie rides along with any request the browser makes, forged ones included: alone it
      // only reads. A write by cookie needs the custom header and an Origin that is ours.
      if (unsafe && fromCookie !== null && (c.req.header(csrfHeaderName) === undefined || c.req.header('origin') === undefined)) {
        throw new ApiError(403, 'CSRF_REJECTED', 'A state-changing request authenticated by cookie needs the X-Sundial-Csrf header and an Origin');
      }
    }
    // Signing in (POST /session) is not a change to the store: a read-only token may do it.
    if (unsafe && role === 'read' && !c.req.path.endsWith('/api/session')) throw new ApiError(403, 'FORBIDDEN', 'This token may only read (role "read")');
    c.set('role', role);
    await next();
  };
}

/** The token given in a header, if any: `Authorization: Bearer <t>` or `X-Sundial-Token: <t>`. */
export function headerToken(c: Context): string | null {
  const authorization = c.req.header('authorization');
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw new ApiError(401, 'UNAUTHENTICATED', 'Expected `Authorization: Bearer <token>`');
    return match[1]!;
  }
  return c.req.header('x-sundial-token') ?? null;
}

function cookieToken(c: Context): string | null {
  const header = c.req.header('cookie');
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === sessionCookieName) return decodeURIComponent(rest.join('='));
  }
  return null;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Compares against every token, without an early exit, on equal-length digests: the time tells nothing. */
function matchToken(tokens: ReadonlyArray<{ digest: Buffer; role: AdminRole }>, given: string): AdminRole | null {
  const candidate = digest(given);
  let role: AdminRole | null = null;
  for (const entry of tokens) {
    if (timingSafeEqual(entry.digest, candidate) && role === null) role = entry.role;
  }
  return role;
}

/**
 * Browsers say where a request comes from (Sec-Fetch-Site, Origin); a state-changing request from
 * another site is refused whatever its credentials. Non-browser clients send neither and pass.
 */
function assertSameOrigin(c: Context, allowedOrigins: readonly string[]): void {
  const fetchSite = c.req.header('sec-fetch-site');
  const origin = c.req.header('origin');
  const own = new URL(c.req.url).origin;
  const originAllowed = origin === undefined || origin === own || allowedOrigins.includes(origin);
  if (!originAllowed || ((fetchSite === 'cross-site' || fetchSite === 'same-site') && !(origin && allowedOrigins.includes(origin)))) {
    throw new ApiError(403, 'CSRF_REJECTED', `Cross-origin state-changing request refused (Origin ${origin ?? 'none'})`);
  }
}

/** A custom header forces a CORS preflight, which this API never grants: a forged form cannot send it. */
function assertCustomHeader(c: Context): void {
  if (c.req.header(csrfHeaderName) === undefined && c.req.header('authorization') === undefined && c.req.header('x-sundial-token') === undefined) {
    throw new ApiError(403, 'CSRF_REJECTED', 'A state-changing request needs the X-Sundial-Csrf header');
  }
}

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * Development mode answers this machine only: the Host must name loopback (which also defeats DNS
 * rebinding) and, when the server tells us, the peer address must be loopback too.
 */
function assertLoopback(c: Context): void {
  const host = new URL(c.req.url).hostname;
  const remote = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress;
  const remoteOk = remote === undefined || remote === '::1' || remote.startsWith('127.') || remote.startsWith('::ffff:127.');
  if (!loopbackHosts.has(host) || !remoteOk) {
    throw new ApiError(403, 'LOOPBACK_ONLY', "auth { open: 'loopback-dev' } answers loopback requests only");
  }
}
