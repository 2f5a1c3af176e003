import type { Context, MiddlewareHandler } from 'hono';
import { InvalidArgumentError } from '../index.ts';
import type { AdminCredential, AdminEnv } from './admin-env.ts';
import type { AdminRole } from './admin-role.ts';
import type { AdminSessions } from './admin-sessions.ts';
import { ApiError } from './api-error.ts';
import { sessionCookieValues } from './session-cookie.ts';

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
  | {
      /** Your check of a request (a session, an SSO proxy's header, …): its role, or null to answer 401. */
      authorize: (request: Request) => AdminRole | null | Promise<AdminRole | null> }
  | { open: 'loopback-dev' };

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
 * Authenticates every API request, sets its credential (with its role), and guards state-changing
 * requests against cross-site request forgery (see docs/admin.md, "Security"). `sessions` is
 * given in `tokens` mode, the only one with session cookies.
 */
export function authMiddleware(
  auth: AdminAuth,
  sessions: AdminSessions | null,
  options: { apiPath: string; allowedOrigins: readonly string[] },
): MiddlewareHandler<AdminEnv> {
  const sessionPath = `${options.apiPath}/session`;
  return async (c, next) => {
    const unsafe = !isSafeMethod(c.req.method);
    if (unsafe) assertSameOrigin(c, options.allowedOrigins);
    let credential: AdminCredential;
    if ('open' in auth) {
      assertLoopback(c);
      credential = { kind: 'open', role: 'operate' };
      if (unsafe) assertCustomHeader(c);
    } else if ('authorize' in auth) {
      const role = await auth.authorize(c.req.raw);
      if (role === null) throw new ApiError(401, 'UNAUTHENTICATED', 'Not authenticated');
      if (role !== 'read' && role !== 'operate') throw new Error(`authorize() returned ${JSON.stringify(role)}; expected 'read', 'operate' or null`);
      credential = { kind: 'authorize', role };
      if (unsafe) assertCustomHeader(c);
    } else {
      credential = authenticate(c, sessions!);
      // A cookie rides along with every request the browser makes, and other services on this host
      // receive it too (cookies are not isolated by port): alone it only reads. The one change it
      // may make is to end itself, and that needs the custom header like any browser write.
      if (unsafe && credential.kind === 'session') {
        if (c.req.method !== 'DELETE' || c.req.path !== sessionPath) {
          throw new ApiError(403, 'FORBIDDEN', 'The session cookie only reads: send the token in `Authorization: Bearer <token>` to change anything');
        }
        assertCustomHeader(c);
      }
    }
    // Signing in and out (/session) is not a change to the store: a read-only token may do it.
    if (unsafe && credential.role === 'read' && c.req.path !== sessionPath) throw new ApiError(403, 'FORBIDDEN', 'This token may only read (role "read")');
    c.set('credential', credential);
    await next();
  };
}

/**
 * `tokens` mode: a token in a header, else the session cookie. A header wins: the cookie is then
 * not even read. Anything malformed is a 401, never an exception.
 */
function authenticate(c: Context, sessions: AdminSessions): AdminCredential {
  const given = headerToken(c);
  if (given !== null) {
    const token = sessions.matchToken(given);
    if (token === null) {
      c.header('WWW-Authenticate', 'Bearer realm="sundial", error="invalid_token"');
      throw new ApiError(401, 'UNAUTHENTICATED', 'Invalid token');
    }
    return { kind: 'token', role: token.role, token };
  }
  const values = sessionCookieValues(c.req.header('cookie'));
  if (values.length === 0) {
    c.header('WWW-Authenticate', 'Bearer realm="sundial"');
    throw new ApiError(401, 'UNAUTHENTICATED', 'Missing token: send `Authorization: Bearer <token>`');
  }
  // Any one valid value will do: another service on this host may have set one of its own.
  let refusal: string | undefined;
  for (const value of values) {
    const check = sessions.verify(value);
    if (check.ok) return { kind: 'session', role: 'read', session: check.session };
    refusal ??= check.reason;
  }
  c.header('WWW-Authenticate', 'Bearer realm="sundial", error="invalid_token"');
  throw new ApiError(401, 'UNAUTHENTICATED', `${refusal}: sign in again with the token`);
}

/** The token given in a header, if any: `Authorization: Bearer <t>` or `X-Sundial-Token: <t>`. */
function headerToken(c: Context): string | null {
  const authorization = c.req.header('authorization');
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) {
      c.header('WWW-Authenticate', 'Bearer realm="sundial", error="invalid_request"');
      throw new ApiError(401, 'UNAUTHENTICATED', 'Expected `Authorization: Bearer <token>`');
    }
    return match[1]!;
  }
  return c.req.header('x-sundial-token') ?? null;
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
