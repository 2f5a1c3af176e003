// Sundial with Fastify 5, through the plugin in fastify-plugin.ts: the scheduler starts when the
// app is ready and stops when it closes, which SIGTERM triggers.
// Run: node examples/frameworks/fastify.ts, then curl -XPOST localhost:3000/jobs
import Fastify from 'fastify';
import { sundial } from './fastify-plugin.ts';
import { announce, brew, port, schedulerOptions } from './sundial-app.ts';

const app = Fastify();
await app.register(sundial, schedulerOptions());

app.post('/jobs', async (_request, reply) => {
  const job = await app.scheduler.enqueue({ task: brew, data: { ms: 300 } });
  return reply.code(202).send({ id: job.id });
});
app.get('/healthz', async (_request, reply) => {
  const health = app.scheduler.health();
  return reply.code(health.ready ? 200 : 503).send(health);
});

await app.listen({ port, host: '127.0.0.1' });
const address = app.server.address();
announce('fastify', typeof address === 'object' && address !== null ? address.port : port);

// close() stops accepting requests (new ones get 503), lets the in-flight ones complete, closes the
// server, then runs the onClose hooks, where the scheduler drains its running jobs.
process.once('SIGTERM', () => {
  app.close().catch((error: unknown) => {
    console.error('shutdown failed', error);
    process.exitCode = 1;
  });
});
