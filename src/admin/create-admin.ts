import { Hono } from 'hono';
import { Scheduler, systemClock, type Clock, type Store } from '../index.ts';
import { sundialVersion } from '../version.ts';
import type { AdminContext } from './admin-context.ts';
import type { AdminEnv } from './admin-env.ts';
import { toErrorResponse } from './api-error.ts';
import { AdminSessions } from './admin-sessions.ts';
import { assertAdminAuth, authMiddleware, type AdminAuth } from './auth.ts';
import { openApiDocument } from './openapi.ts';
import { defaultMaxBodyBytes, readBodyMiddleware } from './read-body.ts';
import { eventRoutes } from './routes/event-routes.ts';
import { jobRoutes } from './routes/job-routes.ts';
import { scheduleRoutes } from './routes/schedule-routes.ts';
import { sessionRoutes } from './routes/session-routes.ts';
import { systemRoutes } from './routes/system-routes.ts';
import { serveUiFile } from './static-ui.ts';
import { InvalidArgumentError } from '../index.ts';

export interface AdminOptions {
  /** The store to show. With `scheduler`, its store is used and this may be omitted. */
  store?: Store;
  /**
   * The application's scheduler: actions (pause, trigger, retry, …) go through it, so its events
   * fire and its task list is known. Without it, a client scheduler (fires nothing, runs nothing)
   * is made on `store`, so actions are validated the same way.
   */
  scheduler?: Scheduler<never> | Scheduler<unknown>;
  /** Who may use the API. Required: see {@link AdminAuth}. */
  auth: AdminAuth;
  /** Where the admin is mounted, e.g. '/admin' (the API is then at /admin/api). @defaultValue '' */
  basePath?: string;
  /**
   * Origins (besides the admin's own) allowed to make state-changing requests, e.g. when a
   * reverse proxy serves the dashboard under another host name. @defaultValue []
   */
  allowedOrigins?: readonly string[];
  /** Largest request body read. @defaultValue 16384 */
  maxBodyBytes?: number;
  /** How often each event stream reads the store's change feed, in ms. @defaultValue 500 */
  eventPollIntervalMs?: number;
  /** Most event streams open at once. @defaultValue 50 */
  maxEventStreams?: number;
  /** "Now" for statistics, node liveness and session expiry. @defaultValue the scheduler's clock, else the system clock */
  clock?: Clock;
  /** Receives unexpected errors (their stacks never reach the caller). @defaultValue console.error */
  onError?: (error: unknown) => void;
}

export interface Admin {
  /** The Hono app: mount it in another Hono app, or serve it. */
  readonly app: Hono;
  /** The fetch handler (Request → Response), for any server that speaks web standards. */
  readonly fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
  /** Ends the open event streams. It stops neither your scheduler nor your store. */
  close(): Promise<void>;
}

/**
 * The admin HTTP API, its event stream and the dashboard, as one Hono app.
 *
 * @example
 * const admin = createAdmin({ scheduler, auth: { tokens: [{ token: process.env.SUNDIAL_ADMIN_TOKEN!, role: 'operate' }] } });
 * serve({ fetch: admin.fetch, port: 4680, hostname: '127.0.0.1' });
 */
export function createAdmin(options: AdminOptions): Admin {
  assertAdminAuth(options?.auth);
  const scheduler = (options.scheduler as Scheduler | undefined) ?? clientScheduler(options.store);
  const basePath = normalizeBasePath(options.basePath ?? '');
  const ctx: AdminContext = {
    store: scheduler.store,
    scheduler,
    localTaskNames: () => (options.scheduler ? scheduler.taskNames() : []),
    clock: options.clock ?? options.scheduler?.clock ?? systemClock,
    report: options.onError ?? ((error) => console.error('sundial admin:', error)),
  };
  const streams = new Set<AbortController>();
  const auth = options.auth;
  const mode = 'tokens' in auth ? 'tokens' : 'authorize' in auth ? 'authorize' : 'open';
  const apiPath = `${basePath}/api`;
  const sessions = 'tokens' in auth ? new AdminSessions(auth.tokens, ctx.clock) : null;

  const api = new Hono<AdminEnv>();
  api.onError((error, c) => {
    const { status, body } = toErrorResponse(error, ctx.report);
    return c.json(body, status);
  });
  api.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `No route ${c.req.method} ${c.req.path}` } }, 404));
  api.use('*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
    c.header('X-Content-Type-Options', 'nosniff');
  });
  api.get('/openapi.json', (c) => c.json(openApiDocument(apiPath, sundialVersion)));
  api.use('*', authMiddleware(auth, sessions, { apiPath, allowedOrigins: options.allowedOrigins ?? [] }));
  api.use('*', readBodyMiddleware(options.maxBodyBytes ?? defaultMaxBodyBytes));
  api.route('/session', sessionRoutes(apiPath, mode, sessions));
  api.route('/schedules', scheduleRoutes(ctx));
  api.route('/jobs', jobRoutes(ctx));
  const eventOptions = { pollIntervalMs: options.eventPollIntervalMs ?? 500, maxStreams: options.maxEventStreams ?? 50, sessions };
  api.route('/events', eventRoutes(ctx, eventOptions, streams));
  api.route('/', systemRoutes(ctx));

  const app = new Hono();
  app.route(`${basePath}/api`, api);
  // The page loads its files and the API by relative URLs, so it must be at the path with a slash.
  if (basePath !== '') app.get(basePath, (c) => c.redirect(`${basePath}/`, 308));
  app.get(`${basePath}/`, (c) => serveUiFile(c, 'index.html'));
  app.get(`${basePath}/:file`, (c) => serveUiFile(c, c.req.param('file')));
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: 'No such page' } }, 404));
  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error, ctx.report);
    return c.json(body, status);
  });

  return {
    app,
    fetch: (request, env) => app.fetch(request, env),
    async close() {
      for (const controller of streams) controller.abort();
      streams.clear();
    },
  };
}

function clientScheduler(store: Store | undefined): Scheduler {
  if (!store || typeof store !== 'object') throw new InvalidArgumentError('Expected `store` or `scheduler` in the admin options');
  // Never started: it only validates and applies actions. Not stopped by close(), since stopping
  // a scheduler closes the store it opened, and the store is the caller's.
  return new Scheduler({ store, roles: { schedules: false, jobs: false }, logger: 'error' });
}

function normalizeBasePath(path: string): string {
  if (path === '' || path === '/') return '';
  if (!/^\/[\w\-/.]*[^/]$/.test(path)) throw new InvalidArgumentError(`Expected \`basePath\` like '/admin' (leading slash, no trailing slash), got ${JSON.stringify(path)}`);
  return path;
}
