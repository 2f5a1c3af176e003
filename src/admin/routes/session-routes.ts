import { Hono } from 'hono';
import type { AdminEnv } from '../admin-env.ts';
import { headerToken, sessionCookieName } from '../auth.ts';

const sessionMaxAgeS = 12 * 60 * 60;

/**
 * `/session`: the dashboard's EventSource cannot send an Authorization header, so after signing in
 * with the token the page asks for an HttpOnly, SameSite=Strict cookie scoped to the API path.
 * Scripts cannot read it, other sites' requests do not carry it, and alone it only reads.
 */
export function sessionRoutes(apiPath: string, mode: 'tokens' | 'authorize' | 'open'): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  app.get('/', (c) => c.json({ role: c.get('role'), mode }));
  app.post('/', (c) => {
    const token = mode === 'tokens' ? headerToken(c) : null;
    if (token !== null) {
      const secure = new URL(c.req.url).protocol === 'https:' ? '; Secure' : '';
      c.header(
        'Set-Cookie',
        `${sessionCookieName}=${encodeURIComponent(token)}; Path=${apiPath}; HttpOnly; SameSite=Strict; Max-Age=${sessionMaxAgeS}${secure}`,
      );
    }
    return c.json({ role: c.get('role'), mode });
  });
  app.delete('/', (c) => {
    c.header('Set-Cookie', `${sessionCookieName}=; Path=${apiPath}; HttpOnly; SameSite=Strict; Max-Age=0`);
    return c.json({ signedOut: true });
  });
  return app;
}
