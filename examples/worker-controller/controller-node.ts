// A worker-controller process. Run two or more on one store: each runs the command jobs (it
// serves the queue 'worker-controller'), and the one elected leader of 'worker-controller' also
// runs the worker reconciler (discovery, metrics, idle detection). SIGTERM or SIGINT stops it all
// in reverse order and the process ends by itself.
//
//   SUNDIAL_STORE=sqlite:/tmp/wc.db FAKE_CLOUD_URL=http://127.0.0.1:4000 node examples/worker-controller/controller-node.ts
//
// One JSON line on stdout per notable event: started, elected, deposed, discovered, reconciled,
// idle-detected, idle-ended, worker-gone, reconcile-failed, command-run, command-failed,
// command-dead, stopped (and `log` for Sundial's own warnings).
import { Host, LeaderElector, leaderOnly } from '../../src/controllers/index.ts';
import { Scheduler } from '../../src/index.ts';
import { CloudClient } from './cloud-client.ts';
import { logEvents, sundialLogger } from './log-events.ts';
import { readSettings, required, storeFromUrl } from './settings.ts';
import { commandQueue, commandTasks, type CommandServices } from './tasks.ts';
import { workerReconciler } from './worker-reconciler.ts';

const settings = readSettings();
const nodeId = `${process.env['NODE_NAME'] || 'controller'}:${process.pid}`;
const log = logEvents(nodeId);
const logger = sundialLogger(log);
const store = await storeFromUrl(required(settings.storeUrl, 'SUNDIAL_STORE'));
const cloud = new CloudClient(required(settings.cloudUrl, 'FAKE_CLOUD_URL'));

const elector = new LeaderElector({ store, name: 'worker-controller', nodeId, lease: settings.leaseMs, logger });
const workers = workerReconciler({ ...settings, cloud, elector, store, nodeId, log, logger });
const scheduler = new Scheduler<CommandServices>({
  store,
  nodeId,
  tasks: commandTasks,
  queues: [commandQueue],
  services: { cloud, reconcileNow: (workerId) => workers.enqueue(workerId) },
  logger,
});

elector.on('leader.elected', ({ term }) => log('elected', { term }));
elector.on('leader.deposed', ({ term, reason }) => log('deposed', { term, reason }));
workers.on('controller.failed', ({ key, error, retryInMs }) => log('reconcile-failed', { workerId: key, error: error.message, retryInMs }));
scheduler.on('job.succeeded', ({ job, result, durationMs }) => log('command-run', { task: job.task, jobId: job.id, attempt: job.attempt, durationMs, result }));
scheduler.on('job.failed', ({ job, error, retryAtMs }) => log('command-failed', { task: job.task, jobId: job.id, attempt: job.attempt, error: error.message, retryInMs: retryAtMs - Date.now() }));
scheduler.on('job.dead', ({ job, error }) => log('command-dead', { task: job.task, jobId: job.id, attempt: job.attempt, error: error.message }));

// Started in this order, stopped in reverse: the reconciler (while leading), the election (which
// releases the lease at once, so another node leads without waiting it out), then the scheduler,
// which finishes the command jobs it runs and closes the store.
const host = new Host({ services: [scheduler, elector, leaderOnly(elector, workers)], logger, shutdownTimeout: '20s' });
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
if (!stopping) log('started', { queues: [commandQueue], election: elector.election, leaseMs: elector.leaseMs, pid: process.pid });
