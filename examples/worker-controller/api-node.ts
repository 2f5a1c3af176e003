// The API process (ADR-011's control-plane-api): it enqueues the commands and answers with their
// results, streams the cluster's events over SSE, and shows what the controller found. Its
// scheduler registers the command tasks but serves only the queue 'api': it never runs them.
//
//   POST /workers/:id/register-license     200 { result, ranOn, attempts } | 502 dead job | 504 timeout
//   POST /workers/:id/deregister-license   (same; ?async=1 answers 202 { jobId } at once)
//   POST /workers/:id/refresh-data         (same)
//   GET  /jobs/:id                         the job as the store has it
//   GET  /workers                          the cloud's workers with the controller's observations, the leader, the controller's status
//   GET  /events                           SSE: job.succeeded, job.failed, job.dead (commands), leader.elected
//   GET  /healthz                          the host's health: 200 when ready, else 503
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Host, type HostedService } from '../../src/controllers/index.ts';
import { InvalidArgumentError, JobFailedError, JobNotFoundError, ResultTimeoutError, Scheduler, StoreUnavailableError, type ClusterEventMeta, type ClusterEvents, type JobError, type JobRecord, type JobSnapshot } from '../../src/index.ts';
import { CloudClient } from './cloud-client.ts';
import { logEvents, sundialLogger } from './log-events.ts';
import { EventStream } from './event-stream.ts';
import { readSettings, required, storeFromUrl } from './settings.ts';
import { commandNames, commandTasks, deregisterLicense, refreshData, registerLicense } from './tasks.ts';

const settings = readSettings();
const nodeId = `${process.env['NODE_NAME'] || 'api'}:${process.pid}`;
const log = logEvents(nodeId);
const logger = sundialLogger(log);
const store = await storeFromUrl(required(settings.storeUrl, 'SUNDIAL_STORE'));
const cloud = new CloudClient(required(settings.cloudUrl, 'FAKE_CLOUD_URL'));
const scheduler = new Scheduler({ store, nodeId, tasks: commandTasks, queues: ['api'], logger });
const commands = { 'register-license': registerLicense, 'deregister-license': deregisterLicense, 'refresh-data': refreshData } as const;

// Subscribed once, at start, and fanned out to the SSE clients: the other nodes append the events
// some live node listens to, and they learn who listens within about a second.
const stream = new EventStream();
let controllerStatus: ClusterEvents['controller.status'] | null = null;
scheduler.on('job.succeeded', ({ job, result, durationMs }, meta) => streamCommand('job.succeeded', job, meta, { durationMs, result }), { scope: 'cluster' });
scheduler.on('job.failed', ({ job, error, retryAtMs }, meta) => streamCommand('job.failed', job, meta, { error: withoutStack(error), retryAtMs }), { scope: 'cluster' });
scheduler.on('job.dead', ({ job, error }, meta) => streamCommand('job.dead', job, meta, { error: withoutStack(error) }), { scope: 'cluster' });
scheduler.on('leader.elected', (leader, meta) => stream.publish('leader.elected', meta.seq, leader), { scope: 'cluster' });
scheduler.on(
  'controller.status',
  (status) => {
    if (status.name === 'workers') controllerStatus = status;
  },
  { scope: 'cluster' },
);
// Aborted when the server stops: requests still waiting for a result get a 503 at once.
const serverStopping = new AbortController();

async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://api');
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (request.method === 'POST' && parts.length === 3 && parts[0] === 'workers' && Object.hasOwn(commands, parts[2]!)) {
    return command(commands[parts[2] as keyof typeof commands], parts[1]!, url, response);
  }
  if (request.method !== 'GET') return send(response, 404, { error: `no route ${request.method} ${url.pathname}` });
  if (url.pathname === '/events') return stream.connect(request, response);
  if (url.pathname === '/healthz') {
    const health = host.health();
    return send(response, health.ready ? 200 : 503, health);
  }
  if (url.pathname === '/workers') return send(response, 200, await workers());
  if (parts.length === 2 && parts[0] === 'jobs') {
    const job = await scheduler.getJob(parts[1]!);
    return job === null ? send(response, 404, { error: `no job ${parts[1]}` }) : send(response, 200, job);
  }
  return send(response, 404, { error: `no route GET ${url.pathname}` });
}

/** Enqueues the command; answers with its result (or at once with `?async=1`). */
async function command(task: (typeof commands)[keyof typeof commands], workerId: string, url: URL, response: ServerResponse): Promise<void> {
  // The task's schema checks the payload (a bad id is an InvalidArgumentError: 400). The dedupe
  // key makes a double click return the job already under way instead of a second one.
  const job = await scheduler.enqueue({ task, data: { workerId }, dedupeKey: `${task.name}:${workerId}` });
  const about = { jobId: job.id, task: task.name, workerId };
  if (url.searchParams.get('async') === '1') return send(response, 202, { ...about, status: job.status, job: `/jobs/${job.id}`, events: '/events' });
  const clientGone = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) clientGone.abort(new Error('the client went away'));
  });
  try {
    const result = await scheduler.result(job.id, { timeout: settings.resultTimeoutMs, signal: AbortSignal.any([clientGone.signal, serverStopping.signal]) });
    const record = await scheduler.getJob(job.id);
    return send(response, 200, { ...about, result, ranOn: record?.attempts.at(-1)?.nodeId ?? null, attempts: attemptsOf(record) });
  } catch (error) {
    if (clientGone.signal.aborted) return;
    if (serverStopping.signal.aborted) return send(response, 503, { ...about, error: 'the API is stopping; the job goes on', job: `/jobs/${job.id}` });
    if (error instanceof JobFailedError) {
      return send(response, 502, { ...about, status: error.status, error: withoutStack(error.jobError), attempts: attemptsOf(await scheduler.getJob(job.id)) });
    }
    if (error instanceof ResultTimeoutError) return send(response, 504, { ...about, error: error.message, job: `/jobs/${job.id}` });
    throw error;
  }
}

/** A command job's event, with the node that emitted it; other jobs are not the API's business. */
function streamCommand(event: string, job: JobSnapshot, meta: ClusterEventMeta, more: Record<string, unknown>): void {
  if (!commandNames.has(job.task)) return;
  const workerId = (job.data as { workerId?: string } | null)?.workerId ?? null;
  stream.publish(event, meta.seq, { jobId: job.id, task: job.task, workerId, attempt: job.attempt, nodeId: meta.nodeId, ...more });
}

/** A job's error for a client: what and why, not where in the controller's code. */
function withoutStack(error: JobError | null): Omit<JobError, 'stack'> | null {
  return error === null ? null : { name: error.name, message: error.message, ...(error.code === undefined ? {} : { code: error.code }) };
}

function attemptsOf(job: JobRecord | null): Array<{ attempt: number; nodeId: string; outcome: string; error: string | null }> {
  return (job?.attempts ?? []).map(({ attempt, nodeId, outcome, error }) => ({ attempt, nodeId, outcome, error: error?.message ?? null }));
}

/** The cloud's workers with what the controller last wrote about each, the leader, and the controller's last published status. */
async function workers(): Promise<unknown> {
  const [instances, leader] = await Promise.all([cloud.instances(), store.getLeader('worker-controller')]);
  return {
    leader: leader === null || leader.holder === null ? null : { nodeId: leader.holder, term: leader.term, renewedAtMs: leader.renewedAtMs },
    controller: controllerStatus,
    workers: instances.map(({ id, state, license, observation }) => ({
      id,
      state,
      licenseId: license?.licenseId ?? null,
      idle: (observation?.idleSinceMs ?? null) !== null,
      idleSinceMs: observation?.idleSinceMs ?? null,
      cpuPercent: observation?.samples.map((sample) => sample.cpuPercent) ?? [],
      observedAtMs: observation?.atMs ?? null,
      observedBy: observation === null ? null : { nodeId: observation.nodeId, term: observation.term },
    })),
  };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body, null, 2)}\n`);
}

function statusFor(error: unknown): number {
  if (error instanceof InvalidArgumentError) return 400;
  if (error instanceof JobNotFoundError) return 404;
  if (error instanceof StoreUnavailableError) return 503;
  return 500;
}

const server = createServer((request, response) => {
  route(request, response).catch((error: unknown) => {
    const status = statusFor(error);
    if (status === 500) log('log', { level: 'error', message: `${request.method} ${request.url}: ${(error as Error).message}` });
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
      serverStopping.abort();
      stream.close();
      server.close(() => resolve());
      server.closeIdleConnections();
    }),
};

const host = new Host({ services: [scheduler, http], logger, shutdownTimeout: '20s' });
// The host stops on the first SIGTERM or SIGINT by itself; this only reports how the stop went.
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    void host.stop().then((result) => log('stopped', { signal, ...result, failed: result.failed.map(({ name }) => name) }));
  });
}
await host.start().catch((error: unknown) => {
  if (!stopping) throw error; // else a signal came during the start, and the stop reports
});
if (!stopping) {
  const { port } = server.address() as { port: number };
  log('listening', { url: `http://127.0.0.1:${port}`, queues: ['api'], pid: process.pid });
}
