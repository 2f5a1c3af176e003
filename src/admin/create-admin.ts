import { hostname } from 'node:os';
import { Hono } from 'hono';
import { Scheduler, systemClock, type Clock, type Store } from '../index.ts';
import { sundialVersion } from '../version.ts';
import type { AdminContext } from './admin-context.ts';
import type { AdminEnv } from './admin-env.ts';
import { toErrorResponse } from './api-error.ts';
import { AdminSessions } from './admin-sessions.ts';
import { assertAdminAuth, authMiddleware, type AdminAuth } from './auth.ts';
import { borrowedStore } from './borrowed-store.ts';
import { ControllerStatuses } from './controller-statuses.ts';
import { openApiDocument } from './openapi.ts';
import { defaultMaxBodyBytes, readBodyMiddleware } from './read-body.ts';
import { breakerRoutes } from './routes/breaker-routes.ts';
import { clusterRoutes } from './routes/cluster-routes.ts';
import { eventRoutes } from './routes/event-routes.ts';
import { healthRoutes, type HealthSource } from './routes/health-routes.ts';
import { jobRoutes } from './routes/job-routes.ts';
import { scheduleRoutes } from './routes/schedule-routes.ts';
import { sessionRoutes } from './routes/session-routes.ts';
import { systemRoutes } from './routes/system-routes.ts';
import { serveUiFile } from './static-ui.ts';
import { InvalidArgumentError } from '../index.ts';

/**
 * The options of `createAdmin`: what to show (a scheduler, or a store), who may use it (`auth`), and where.
 *
 * @example
 * createAdmin({ scheduler, auth: { tokens: [{ token: process.env.SUNDIAL_ADMIN_TOKEN!, role: 'operate' }] } })
 */
export interface AdminOptions {
  /** The store to show. With `scheduler`, its store is used and this may be omitted. */
  store?: Store;
  /**
   * The application's scheduler: actions (pause, trigger, retry, …) go through it, so its events
   * fire and its task list is known, and the admin follows controller statuses with a cluster
   * listener on it (they arrive once it is started). Without it, the admin makes a client
   * scheduler (fires nothing, runs nothing) on `store`, starts it, and stops it in `close()`.
   */
  scheduler?: Scheduler<never> | Scheduler<unknown>;
  /** Who may use the API. Required: see {@link AdminAuth}. */
  auth: AdminAuth;
  /**
   * What `GET /api/healthz` and `/api/readyz` (liveness and readiness probes, no credentials
   * needed) report: a `Host` from `sundial-scheduler/controllers` (every service of the process), or
   * anything with `health(): { live, ready }`. @defaultValue the scheduler
   */
  health?: HealthSource;
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

/** What `createAdmin` returns: the admin as a Hono app and a fetch handler, and `close()` to end it. */
export interface Admin {
  /** The Hono app: mount it in another Hono app, or serve it. */
  readonly app: Hono;
  /** The fetch handler (Request → Response), for any server that speaks web standards. */
  readonly fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
  /**
   * Ends the open event streams and stops listening to the cluster; stops the client scheduler
   * the admin made when given a `store` alone. It stops neither your scheduler nor your store.
   */
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
  const own = options.scheduler ? null : clientScheduler(options.store, 'admin');
  const scheduler = (options.scheduler as Scheduler | undefined) ?? own!;
  const basePath = normalizeBasePath(options.basePath ?? '');
  const report = options.onError ?? ((error: unknown) => console.error('sundial admin:', error));
  const controllers = new ControllerStatuses();
  // A scheduler that registers tasks refuses any other name; a command for a task that only other
  // nodes register goes through a client scheduler, which accepts any name (made when first needed).
  let relay: Scheduler | null = null;
  const ctx: AdminContext = {
    store: scheduler.store,
    scheduler,
    localTaskNames: () => (options.scheduler ? scheduler.taskNames() : []),
    enqueue(request) {
      const names = scheduler.taskNames();
      const via = names.length === 0 || names.includes(request.task) ? scheduler : (relay ??= clientScheduler(scheduler.store, 'relay'));
      return via.enqueue(request);
    },
    controllers,
    followsCluster: () => scheduler.health().state === 'running',
    clock: options.clock ?? options.scheduler?.clock ?? systemClock,
    report,
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
  // Before the auth middleware: a probe has no credentials.
  api.route('/', healthRoutes(options.health ?? scheduler));
  api.use('*', authMiddleware(auth, sessions, { apiPath, allowedOrigins: options.allowedOrigins ?? [] }));
  api.use('*', readBodyMiddleware(options.maxBodyBytes ?? defaultMaxBodyBytes));
  api.route('/session', sessionRoutes(apiPath, mode, sessions));
  api.route('/schedules', scheduleRoutes(ctx));
  api.route('/jobs', jobRoutes(ctx));
  api.route('/breakers', breakerRoutes(ctx));
  const eventOptions = { pollIntervalMs: options.eventPollIntervalMs ?? 500, maxStreams: options.maxEventStreams ?? 50, sessions };
  api.route('/events', eventRoutes(ctx, eventOptions, streams));
  api.route('/', systemRoutes(ctx));
  api.route('/', clusterRoutes(ctx));

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

  // Cluster listeners hear what is appended once their scheduler's event feed runs, which starts
  // with the scheduler: the application's is the application's to start; the admin starts its own.
  const stopFollowing = controllers.follow(scheduler);
  const started = own?.start().catch((error: unknown) => report(error));
  return {
    app,
    fetch: (request, env) => app.fetch(request, env),
    async close() {
      for (const controller of streams) controller.abort();
      streams.clear();
      stopFollowing();
      if (own) {
        await started;
        await own.stop({ timeout: 0 });
      }
    },
  };
}

/**
 * A client scheduler on the caller's store: it fires nothing and runs nothing, purges nothing, and
 * never closes the store (the caller does). The admin's own one is started, so that its cluster
 * listeners hear the other nodes (it then shows in the node registry as a client); the relay is
 * never started: it only enqueues.
 */
function clientScheduler(store: Store | undefined, role: 'admin' | 'relay'): Scheduler {
  if (!store || typeof store !== 'object') throw new InvalidArgumentError('Expected `store` or `scheduler` in the admin options');
  return new Scheduler({
    store: borrowedStore(store),
    nodeId: `${hostname()}:${process.pid}:${role}-${Math.random().toString(36).slice(2, 6)}`,
    roles: { schedules: false, jobs: false },
    history: { succeeded: null, failed: null },
    logger: 'error',
  });
}

function normalizeBasePath(path: string): string {
  if (path === '' || path === '/') return '';
  if (!/^\/[\w\-/.]*[^/]$/.test(path)) throw new InvalidArgumentError(`Expected \`basePath\` like '/admin' (leading slash, no trailing slash), got ${JSON.stringify(path)}`);
  return path;
}
