import { resolve } from 'node:path';
import { Scheduler, cron, every, type Store } from '../../index.ts';
import type { AdminServer } from '../../admin/index.ts';
import { parseCommandArgs, parsePositiveInt } from '../args.ts';
import type { CliIo, Command } from '../command.ts';
import { demoTasks, type DemoStats } from '../demo/demo-tasks.ts';
import { demoEventNames, formatEventLine } from '../demo/event-line.ts';
import { describeTrigger } from '../format-records.ts';
import { openStoreFromUrl, parseStoreUrl } from '../store-url.ts';

const demoStoreUrl = 'sqlite:./sundial-demo.db';
const demoDashboardPort = 4680;

export const demo: Command = {
  name: 'demo',
  summary: 'run a live demo node: three schedules, retries, events',
  help: [
    'Usage: sundial demo [--store <url>] [--port <n>] [--no-dashboard]',
    '',
    'Starts a node with three tasks and three schedules (ids stay the same, so a restart keeps',
    'them): heartbeat every 3s, report on the cron */10 * * * * * (every 10 s), and flaky-sync',
    'every 15s, which fails twice and succeeds on its third attempt. It prints a line per event.',
    'Ctrl-C stops it gracefully; a second Ctrl-C quits at once. The live dashboard is served on',
    `http://127.0.0.1:${demoDashboardPort}/ (the next free port if that one is taken), without a token`,
    'and for this machine only (loopback development mode): use `sundial serve` with a token elsewhere.',
    '',
    'Options:',
    `  --store <url>   where the demo keeps its schedules and jobs (default ${demoStoreUrl})`,
    `  --port <n>      dashboard port (default ${demoDashboardPort})`,
    '  --no-dashboard  do not serve the dashboard',
    '  -h, --help      show this help',
  ].join('\n'),
  async run(argv, io) {
    // The demo has its own default store (SUNDIAL_STORE is ignored), so that it never writes
    // demo schedules into an application's store.
    const { storeUrl, values } = parseCommandArgs(
      this.name,
      argv,
      {},
      { port: { type: 'string' }, 'no-dashboard': { type: 'boolean', default: false } },
      [],
      demoStoreUrl,
    );
    const dashboardPort = values['no-dashboard'] ? null : parsePositiveInt(values.port, 'port', demoDashboardPort);
    const store = await openStoreFromUrl(storeUrl);
    try {
      return await runDemo(store, storeUrl, dashboardPort, io);
    } finally {
      await store.close();
    }
  },
};

async function runDemo(store: Store, storeUrl: string, dashboardPort: number | null, io: CliIo): Promise<number> {
  // Listen first: a Ctrl-C during the setup below still means "stop gracefully".
  const stopRequested = waitForStopSignal(io);
  const stats: DemoStats = { succeeded: 0, failed: 0, dead: 0 };
  const [heartbeat, report, flakySync] = demoTasks(io.out, stats);
  const scheduler = new Scheduler({ store, tasks: [heartbeat!, report!, flakySync!], shutdownTimeout: '5s' });
  for (const name of demoEventNames) {
    scheduler.on(name, (payload) => {
      const text = formatEventLine(name, payload, io.nowMs());
      if (text !== null) io.out(text);
    });
  }
  scheduler.on('job.succeeded', () => void (stats.succeeded += 1));
  scheduler.on('job.failed', () => void (stats.failed += 1));
  scheduler.on('job.dead', () => void (stats.dead += 1));

  const location = parseStoreUrl(storeUrl);
  io.out(`Sundial demo: node ${scheduler.nodeId}, store ${location.kind === 'sqlite' ? resolve(location.path) : storeUrl}`);
  const previous = await scheduler.listSchedules();
  io.out(
    previous.length === 0
      ? 'No schedules from a previous run: creating 3.'
      : `Found ${previous.length} schedule(s) from a previous run: keeping them (same ids, so nothing is duplicated).`,
  );
  // Stable ids: scheduling an existing id replaces its definition and keeps its next fire.
  const schedules = [
    await scheduler.schedule({ id: 'heartbeat-every-3s', task: heartbeat!, trigger: every('3s') }),
    await scheduler.schedule({ id: 'report-every-10s', task: report!, trigger: cron('*/10 * * * * *') }),
    await scheduler.schedule({ id: 'flaky-sync-every-15s', task: flakySync!, trigger: every('15s') }),
  ];
  for (const s of schedules) io.out(`  ${s.id.padEnd(22)}${s.task.padEnd(12)}${describeTrigger(s.trigger)}${s.paused ? '  (paused)' : ''}`);
  io.out('Try in another terminal:');
  io.out(`  npx sundial schedules ls --store ${storeUrl}`);
  io.out(`  npx sundial jobs ls --status failed,dead --store ${storeUrl}`);
  io.out(`  npx sundial pause heartbeat-every-3s --store ${storeUrl}`);
  io.out(`  npx sundial trigger flaky-sync-every-15s --store ${storeUrl}`);
  const dashboard = dashboardPort === null ? null : await serveDashboard(store, scheduler, dashboardPort);
  if (dashboard) io.out(`Live dashboard: ${dashboard.url}  (no token: this machine only)`);
  io.out('Press Ctrl-C to stop.');
  io.out('');
  // One on-demand job besides the schedules: it runs as soon as the node starts.
  await scheduler.enqueue({ task: report!, data: { reason: 'on demand, enqueued at start' } });

  // A started scheduler keeps the process alive until stop(), so the demo runs until a signal comes.
  await scheduler.start();
  const signal = await stopRequested;
  io.out(`\n${signal}: stopping gracefully, waiting up to 5s for running jobs (${signal} again quits at once)…`);
  await scheduler.stop();
  await dashboard?.close();
  io.out(`Stopped. The schedules stay in the store: run the demo again to go on where it left off.`);
  return 0;
}

/** The dashboard on loopback, without a token (demo only); the next free port when `port` is taken. */
async function serveDashboard(store: Store, scheduler: Scheduler, port: number): Promise<AdminServer> {
  // Loaded here: the demo without a dashboard needs no HTTP server.
  const { serveAdmin } = await import('../../admin/index.ts');
  const options = { store, scheduler, auth: { open: 'loopback-dev' as const }, host: '127.0.0.1' };
  try {
    return await serveAdmin({ ...options, port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    return serveAdmin({ ...options, port: 0 });
  }
}

/** Resolves with the first SIGINT/SIGTERM; a second one exits at once. */
function waitForStopSignal(io: CliIo): Promise<NodeJS.Signals> {
  return new Promise((resolveSignal) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) {
        io.err(`${signal} again: exiting without waiting.`);
        process.exit(130);
      }
      received = true;
      resolveSignal(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
