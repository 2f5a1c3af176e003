// One replica of the lab manager: the workers API and a Sundial node on the shared Redis store.
// main.ts runs two; any replica runs any collection job, each fire exactly once.
//
//   POST   /workers {instanceId}   register a worker: 201, and its collection schedule starts
//   GET    /workers                the workers, their last metrics and their schedules
//   GET    /workers/:id            one of them
//   DELETE /workers/:id            deregister it: 204, and its schedule is removed
//   GET    /healthz                200 when the replica is ready
//
// One JSON line on stdout per notable event: listening, registered, deregistered, collected,
// monitoring-ended, observed (cluster events), stopped (and `log` for Sundial's warnings).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Host, type HostedService } from '../../src/controllers/index.ts';
import { InvalidArgumentError, Scheduler, StoreUnavailableError, every, type ScheduleRecord } from '../../src/index.ts';
import { CloudClient } from './cloud-client.ts';
import { observeCluster } from './cluster-observer.ts';
import { collectWorkerMetrics, metricsScheduleId } from './collect-worker-metrics.ts';
import { Container } from './container.ts';
import { EventLog } from './event-log.ts';
import { readSettings, redisStore } from './settings.ts';
import { WorkerExistsError, WorkerRepository, type Worker } from './worker-repository.ts';

const settings = readSettings();
const nodeId = `${process.env['NODE_NAME'] || 'replica'}:${process.pid}`;
const log = new EventLog(nodeId);
const logger = log.sundialLogger();
const workers = new WorkerRepository(settings.workerDbPath);
const cloud = new CloudClient(settings.cloudUrl);
const services = new Container()
  .register(WorkerRepository, () => workers)
  .register(CloudClient, () => cloud)
  .register(EventLog, () => log);
const store = await redisStore(settings.storeUrl);
const scheduler = new Scheduler({ store, nodeId, tasks: [collectWorkerMetrics], services, lease: settings.leaseMs, logger });
observeCluster(scheduler, log);

const instanceIdPattern = /^i-[a-z0-9]{1,32}$/;

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
  }
}

async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { pathname } = new URL(request.url ?? '/', 'http://replica');
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const route = `${request.method} /${parts.map((part, i) => (i === 1 && parts[0] === 'workers' ? ':id' : part)).join('/')}`;
  switch (route) {
    case 'POST /workers':
      return send(response, 201, await register(await readJson(request)));
    case 'GET /workers':
      return send(response, 200, { node: nodeId, workers: await Promise.all(workers.list().map(withSchedule)) });
    case 'GET /workers/:id': {
      const worker = workers.get(parts[1]!);
      return worker === null ? send(response, 404, { error: `no worker ${parts[1]}` }) : send(response, 200, await withSchedule(worker));
    }
    case 'DELETE /workers/:id': {
      const id = parts[1]!;
      // The schedule first: once it is gone no fire comes; a job already under way finds no worker and ends.
      const unscheduled = await scheduler.unschedule(metricsScheduleId(id));
      const removed = workers.remove(id);
      if (!unscheduled && !removed) return send(response, 404, { error: `no worker ${id}` });
      log.write('deregistered', { workerId: id });
      return send(response, 204, null);
    }
    case 'GET /healthz': {
      const health = host.health();
      return send(response, health.ready ? 200 : 503, health);
    }
    default:
      return send(response, 404, { error: `no route ${request.method} ${pathname}` });
  }
}

/** Registers a worker for a running or stopped instance and starts its collection schedule. */
async function register(body: Record<string, unknown>): Promise<unknown> {
  const instanceId = body['instanceId'];
  if (typeof instanceId !== 'string' || !instanceIdPattern.test(instanceId)) {
    throw new HttpError(400, `Expected instanceId to be an instance id such as "i-1", got ${JSON.stringify(instanceId)}`);
  }
  const instance = await cloud.instance(instanceId);
  if (instance === null || instance.state === 'terminated') throw new HttpError(422, `Instance ${instanceId} is ${instance === null ? 'unknown to the cloud' : 'terminated'}`);
  const worker = workers.add({ id: `w-${randomUUID().slice(0, 8)}`, instanceId });
  try {
    // The payload is the worker's id, nothing else: the job outlives this process and this request.
    const schedule = await scheduler.schedule({ id: metricsScheduleId(worker.id), task: collectWorkerMetrics, data: { workerId: worker.id }, trigger: every(settings.collectEveryMs) });
    log.write('registered', { workerId: worker.id, instanceId, scheduleId: schedule.id, nextFireAtMs: schedule.nextFireAtMs });
    return { ...worker, schedule: scheduleView(schedule) };
  } catch (error) {
    workers.remove(worker.id); // no worker without its schedule
    throw error;
  }
}

async function withSchedule(worker: Worker): Promise<unknown> {
  const schedule = await scheduler.getSchedule(metricsScheduleId(worker.id));
  return { ...worker, schedule: schedule === null ? null : scheduleView(schedule) };
}

function scheduleView(schedule: ScheduleRecord): Record<string, unknown> {
  return { id: schedule.id, nextFireAtMs: schedule.nextFireAtMs, lastFireAtMs: schedule.lastFireAtMs, data: schedule.data };
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `Expected a JSON body: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'Expected a JSON object');
  return value as Record<string, unknown>;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent || response.destroyed) return;
  if (status === 204) {
    response.writeHead(204).end();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body, null, 2)}\n`);
}

function statusFor(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  if (error instanceof InvalidArgumentError) return 400;
  if (error instanceof WorkerExistsError) return 409;
  if (error instanceof StoreUnavailableError) return 503;
  return 500;
}

const server = createServer((request, response) => {
  route(request, response).catch((error: unknown) => {
    const status = statusFor(error);
    if (status === 500) log.write('log', { level: 'error', message: `${request.method} ${request.url}: ${(error as Error).message}` });
    send(response, status, { error: (error as Error).message });
  });
});

// The HTTP server as a hosted service: it starts after the scheduler and stops before it.
const http: HostedService = {
  name: 'http',
  start: () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(settings.port, '127.0.0.1', () => resolve());
    }),
  stop: () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    }),
};
const repository: HostedService = { name: 'worker-repository', start: async () => {}, stop: async () => workers.close() };

const host = new Host({ services: [repository, scheduler, http], logger, shutdownTimeout: '20s' });
// The host stops on the first SIGTERM or SIGINT by itself; this only reports how the stop went.
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    void host.stop().then((result) => log.write('stopped', { signal, ...result, failed: result.failed.map(({ name }) => name) }));
  });
}
await host.start().catch((error: unknown) => {
  if (!stopping) throw error; // else a signal came during the start, and the stop reports
});
if (!stopping) {
  const { port } = server.address() as { port: number };
  log.write('listening', { url: `http://127.0.0.1:${port}`, pid: process.pid, collectEveryMs: settings.collectEveryMs });
}
