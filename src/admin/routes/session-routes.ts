import { Hono, type Context } from 'hono';
import type { AdminCredential, AdminEnv } from '../admin-env.ts';
import { sessionLifetimeMs, type AdminSession, type AdminSessions } from '../admin-sessions.ts';
import { sessionClearCookie, sessionCookieValues, sessionSetCookie } from '../session-cookie.ts';

/**
 * `/session`: the dashboard's EventSource cannot send an Authorization header, so after signing in
 * with the token the page asks for a session cookie. The cookie is an opaque, expiring session
 * (never the token), HttpOnly, SameSite=Strict and scoped to the API path; alone it only reads.
 * Only `tokens` mode has sessions: with `authorize` or `open`, POST sets nothing.
 */
export function sessionRoutes(apiPath: string, mode: 'tokens' | 'authorize' | 'open', sessions: AdminSessions | null): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  app.get('/', (c) => c.json(describe(c.get('credential'), mode)));
  app.post('/', (c) => {
    const credential = c.get('credential');
    if (credential.kind !== 'token' || sessions === null) return c.json(describe(credential, mode));
    const { value, session } = sessions.issue(credential.token);
    c.header('Set-Cookie', sessionSetCookie(value, { apiPath, maxAgeS: sessionLifetimeMs / 1000, secure: isSecure(c) }));
    return c.json(describe(credential, mode, session));
  });
  app.delete('/', (c) => {
    // Ends the session in the cookie, however this request was authenticated (the dashboard sends
    // its token too). Other replicas are not told: see docs/admin.md, "Security".
    if (sessions !== null) {
      for (const value of sessionCookieValues(c.req.header('cookie'))) {
        const check = sessions.verify(value);
        if (check.ok) sessions.revoke(check.session);
      }
    }
    c.header('Set-Cookie', sessionClearCookie({ apiPath, secure: isSecure(c) }));
    return c.json({ signedOut: true });
  });
  return app;
}

/** Who the caller is: the role this request acts with and, by cookie, the session's own. */
function describe(credential: AdminCredential, mode: string, session?: AdminSession) {
  const shown = session ?? (credential.kind === 'session' ? credential.session : undefined);
  return { role: credential.role, mode, ...(shown ? { session: { role: shown.role, expiresAtMs: shown.expiresAtMs } } : {}) };
}

/**
 * `Secure` when the page is on HTTPS: the request's own URL says so, or, behind a proxy that ends
 * TLS, the `Origin` of the sign-in (a write, so that Origin has passed the same-origin check).
 */
function isSecure(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || (c.req.header('origin')?.startsWith('https://') ?? false);
}
