// One replica of the booking service: a Fastify server and a Sundial scheduler on the shared
// PostgreSQL. main.ts starts three; any number may run, on any machines, against one database.
// With BOOKINGS_ADMIN=1 it also serves Sundial's dashboard at /admin/.
//
// Its stdout is one JSON line per event: `listening`, `transition` (a change this replica
// committed), `no-op` (a job or confirm that found the change made, or beaten), `stopped`.
import { getRequestListener } from '@hono/node-server';
import Fastify from 'fastify';
import pg from 'pg';
import { createAdmin, type Admin } from '../../src/admin/index.ts';
import { PostgresStore } from '../../src/postgres/index.ts';
import { BookingRepository } from './booking-repository.ts';
import { bookingRoutes } from './booking-routes.ts';
import { BookingService } from './booking-service.ts';
import { logEvents, sundialLogger } from './log-events.ts';
import { readSettings } from './settings.ts';

const settings = readSettings();
const name = process.env['NODE_NAME'] || 'replica';
const nodeId = `${name}:${process.pid}`;
const log = logEvents(nodeId);
const withAdmin = process.env['BOOKINGS_ADMIN'] === '1';

const pool = new pg.Pool({ connectionString: settings.databaseUrl, max: 10, application_name: `bookings ${name}` });
pool.on('error', (error) => log('log', { level: 'warn', message: `idle connection lost: ${error.message}` }));
const store = new PostgresStore({ connectionString: settings.databaseUrl, schema: settings.sundialSchema, poolConfig: { application_name: `sundial ${name}` } });
const service = new BookingService({
  pool,
  repository: new BookingRepository(settings.bookingsSchema),
  store,
  nodeId,
  timings: settings,
  leaseMs: settings.leaseMs,
  logger: sundialLogger(log),
  onOutcome: ({ outcome, ...fields }) => log(outcome === 'applied' ? 'transition' : 'no-op', outcome === 'applied' ? fields : { outcome, ...fields }),
});

const app = Fastify({ logger: false });
let admin: Admin | null = null;
if (withAdmin) {
  admin = createAdmin({
    scheduler: service.scheduler,
    basePath: '/admin',
    auth: settings.adminToken === undefined ? { open: 'loopback-dev' } : { tokens: [{ token: settings.adminToken, role: 'operate' }] },
  });
  // The admin is a Hono app: it gets the raw request before Fastify reads the body.
  const adminListener = getRequestListener(admin.fetch);
  app.addHook('onRequest', (request, reply, done) => {
    if (request.url !== '/admin' && !request.url.startsWith('/admin/')) return done();
    reply.hijack();
    void adminListener(request.raw, reply.raw);
  });
}
await app.register(bookingRoutes(service, nodeId));

await service.scheduler.start();
const address = await app.listen({ host: '127.0.0.1', port: Number(process.env['REPLICA_PORT'] ?? 0) });
log('listening', { url: address, ...(withAdmin ? { admin: `${address}/admin/` } : {}) });

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  // New requests first, then the running jobs (the scheduler waits for them), then the pools.
  await app.close();
  await admin?.close();
  await service.scheduler.stop();
  await pool.end();
  log('stopped', { signal });
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stop(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        log('log', { level: 'error', message: `stop failed: ${(error as Error).message}` });
        process.exit(1);
      },
    );
  });
}
