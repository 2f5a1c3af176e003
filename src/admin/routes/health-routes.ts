import { Hono } from 'hono';
import type { AdminEnv } from '../admin-env.ts';

/** What a probe reads: a `Host` (every service), or the scheduler alone. */
export interface HealthSource {
  /** Liveness (`/healthz`) and readiness (`/readyz`) now: each route answers 200 when true, else 503. */
  health(): { live: boolean; ready: boolean };
}

/**
 * `/healthz` (liveness) and `/readyz` (readiness) for Kubernetes probes: 200 when live / ready,
 * 503 otherwise, with the health as the body. They need no credentials — a probe has none — and
 * say nothing a probe could not learn from the status code but the services' names and states.
 */
export function healthRoutes(source: HealthSource): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  app.get('/healthz', (c) => {
    const health = source.health();
    return c.json(health, health.live ? 200 : 503);
  });
  app.get('/readyz', (c) => {
    const health = source.health();
    return c.json(health, health.ready ? 200 : 503);
  });
  return app;
}
