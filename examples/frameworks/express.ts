// Sundial with Express 5: the scheduler starts with the app and stops with it on SIGTERM.
// Run: node examples/frameworks/express.ts, then curl -XPOST localhost:3000/jobs
import express from 'express';
import type { AddressInfo } from 'node:net';
import { announce, brew, createScheduler, port } from './sundial-app.ts';

const scheduler = createScheduler();
const app = express();

// Express 5 passes a rejected promise of an async handler to the error handler.
app.post('/jobs', async (_request, response) => {
  const job = await scheduler.enqueue({ task: brew, data: { ms: 300 } });
  response.status(202).json({ id: job.id });
});
app.get('/healthz', (_request, response) => {
  const health = scheduler.health();
  response.status(health.ready ? 200 : 503).json(health);
});

await scheduler.start();
const server = app.listen(port, '127.0.0.1', () => announce('express', (server.address() as AddressInfo).port));

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
