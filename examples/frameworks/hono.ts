// Sundial with Hono on @hono/node-server: the scheduler starts with the server and stops with it on SIGTERM.
// Run: node examples/frameworks/hono.ts, then curl -XPOST localhost:3000/jobs
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { announce, brew, createScheduler, port } from './sundial-app.ts';

const scheduler = createScheduler();
const app = new Hono();

app.post('/jobs', async (c) => {
  const job = await scheduler.enqueue({ task: brew, data: { ms: 300 } });
  return c.json({ id: job.id }, 202);
});
app.get('/healthz', (c) => {
  const health = scheduler.health();
  return c.json(health, health.ready ? 200 : 503);
});

await scheduler.start();
const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => announce('hono', info.port));

process.once('SIGTERM', () => {
  // Stop accepting connections first, then drain the scheduler, then wait for the last requests.
  const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  scheduler
    .stop()
    .then(() => closed)
    .catch((error: unknown) => {
      console.error('shutdown failed', error);
      process.exitCode = 1;
    });
});
