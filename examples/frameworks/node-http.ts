// Sundial with plain node:http: the scheduler starts with the server and stops with it on SIGTERM.
// Run: node examples/frameworks/node-http.ts, then curl -XPOST localhost:3000/jobs
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { announce, brew, createScheduler, port } from './sundial-app.ts';

const scheduler = createScheduler();

async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method === 'POST' && request.url === '/jobs') {
    const job = await scheduler.enqueue({ task: brew, data: { ms: 300 } });
    return reply(response, 202, { id: job.id });
  }
  if (request.method === 'GET' && request.url === '/healthz') {
    const health = scheduler.health();
    return reply(response, health.ready ? 200 : 503, health);
  }
  reply(response, 404, { error: 'not found' });
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const server = createServer((request, response) => {
  route(request, response).catch((error: unknown) => reply(response, 500, { error: String(error) }));
});

await scheduler.start();
server.listen(port, '127.0.0.1');
await once(server, 'listening');
announce('node:http', (server.address() as AddressInfo).port);

process.once('SIGTERM', () => {
  // 1. Stop accepting connections (idle keep-alive ones are closed, requests in progress finish).
  const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  // 2. Let running jobs finish (up to `shutdownTimeout`, then they are handed back), close the store.
  // 3. Wait for the server's last requests; with nothing left, the process exits 0.
  scheduler
    .stop()
    .then(() => closed)
    .catch((error: unknown) => {
      console.error('shutdown failed', error);
      process.exitCode = 1;
    });
});
