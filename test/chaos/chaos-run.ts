// One bounded chaos run against one store: N node processes fire `scheduleCount` schedules
// `every('1s')` and run on-demand jobs the test enqueues throughout, while a seeded fault plan
// SIGKILLs and restarts nodes, kills every node at once, cuts connections and crash-restarts the
// store's server. Then the faults stop, the cluster settles (bounded), the nodes stop gracefully,
// and the store and the handlers' logs are counted (test/chaos/chaos-accounting.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Scheduler } from '../../src/index.ts';
import type { JobRecord } from '../../src/domain/job.ts';
import type { Store } from '../../src/store/store.ts';
import { accountRun, formatCounts, type ChaosCounts } from './chaos-accounting.ts';
import { ChaosCluster, type UnexpectedExit } from './chaos-cluster.ts';
import { chaosTasks } from './chaos-tasks.ts';
import { countFaults, planFaults, seededRandom, type FaultAction, type TimedFault } from './fault-plan.ts';

/** What a store under test offers the run. Stores without a server leave the server parts out. */
export interface ChaosBackend {
  readonly name: string;
  /** Flags that point a chaos worker at the store. */
  readonly workerFlags: string[];
  /** A store for the test's own enqueues and reads. */
  openStore(): Store;
  /** Cuts every connection named `connectionName`; returns how many. */
  killConnections?(connectionName: string): Promise<number>;
  crashServer?(): Promise<void>;
  restartServer?(): Promise<void>;
}

export interface ChaosRunOptions {
  backend: ChaosBackend;
  seed: number;
  /** @defaultValue 3 */
  nodeCount?: number;
  /** @defaultValue 50 */
  scheduleCount?: number;
  /** Length of the fault phase. @defaultValue CHAOS_MS, else 35 s */
  faultsMs?: number;
  /** Most time to wait for the cluster to settle after the faults. */
  settleMs?: number;
  log?: (line: string) => void;
}

export interface ChaosResult {
  counts: ChaosCounts;
  summary: string;
  faultsDone: Record<FaultAction['kind'], number>;
  connectionsKilled: number;
  enqueueRejected: number;
  unexpectedExits: UnexpectedExit[];
  gracefulExitCodes: Array<{ nodeId: string; code: number | null; signal: NodeJS.Signals | null }>;
  settled: boolean;
  durationMs: number;
}

const intervalMs = 1000;

export async function runChaos(options: ChaosRunOptions): Promise<ChaosResult> {
  const { backend, seed } = options;
  const nodeCount = options.nodeCount ?? 3;
  const scheduleCount = options.scheduleCount ?? 50;
  const faultsMs = options.faultsMs ?? Number(process.env.CHAOS_MS ?? 35_000);
  const settleMs = options.settleMs ?? 20_000;
  const log = options.log ?? ((line: string) => console.info(line));
  const began = Date.now();
  const directory = mkdtempSync(join(tmpdir(), `sundial-chaos-${backend.name}-`));
  const runId = randomBytes(3).toString('hex');
  const client = new Scheduler({
    store: backend.openStore(),
    tasks: chaosTasks(() => Promise.reject(new Error('the test client runs no job'))),
    roles: { schedules: false, jobs: false },
    logger: 'silent',
  });
  // A whole second a few seconds ahead: the nodes are up before the first fire.
  const startAtMs = Math.ceil((Date.now() + 4000) / intervalMs) * intervalMs;
  const cluster = new ChaosCluster({ nodeCount, storeFlags: backend.workerFlags, directory, runId, scheduleCount, startAtMs });
  try {
    await client.listSchedules(); // creates the schema before any node opens it
    cluster.startAll();
    await cluster.readyAll(30_000);

    const faults = planFaults({ seed, nodeCount, durationMs: faultsMs, hasServer: backend.crashServer !== undefined });
    const planned = countFaults(faults);
    log(
      `[chaos ${backend.name}] seed ${seed} (replay: SEED=${seed}); ${nodeCount} nodes, ${scheduleCount} schedules every 1s, ` +
        `${faultsMs} ms of faults: ${planned.kill} node kills, ${planned['kill-all']} all-node kill, ` +
        `${planned['kill-connections']} connection kills, ${planned['crash-server']} server crash`,
    );
    const faultsStartMs = Date.now();
    const faultsEndAtMs = faultsStartMs + faultsMs;
    const random = seededRandom(seed ^ 0x5eed);
    const acknowledged: string[] = [];
    let enqueueRejected = 0;
    const enqueueing = (async () => {
      while (Date.now() < faultsEndAtMs) {
        const count = 1 + Math.floor(random() * 4);
        // One in five is slow (1–2.5 s): a SIGKILL then nearly always lands mid-handler.
        const inputs = Array.from({ length: count }, () => ({
          task: 'chaos-job',
          data: { ms: random() < 0.2 ? 1000 + Math.floor(random() * 1500) : 10 + Math.floor(random() * 290) },
        }));
        try {
          if (random() < 0.5) for (const input of inputs) acknowledged.push((await client.enqueue(input)).id);
          else acknowledged.push(...(await client.enqueueMany(inputs)).map((job) => job.id));
        } catch {
          enqueueRejected++; // not acknowledged: the job may exist or not, either is fine
        }
        await sleep(100 + Math.floor(random() * 200));
      }
    })();
    const executed = await executeFaults(faults, faultsStartMs, cluster, backend);
    await enqueueing;

    // ---- settle ----
    await cluster.ensureAllUp(30_000);
    const faultsEndMs = Date.now();
    const settleDeadline = faultsEndMs + settleMs;
    let settled = false;
    let stuckAtSettle: JobRecord[] = [];
    for (;;) {
      const waitingFor = await unsettled(client.store, new Set(acknowledged), faultsEndMs, cluster.liveNodeIds);
      stuckAtSettle = waitingFor.stuck;
      if (waitingFor.reasons.length === 0) {
        settled = true;
        break;
      }
      if (Date.now() > settleDeadline) {
        log(`[chaos ${backend.name}] not settled after ${settleMs} ms: ${waitingFor.reasons.join('; ')}`);
        break;
      }
      await sleep(500);
    }
    const settledAtMs = Date.now();
    await cluster.stopAll(15_000);

    // ---- count ----
    const store = client.store;
    const schedules = await store.listSchedules({ limit: 10_000 });
    const jobs = await store.listJobs({ limit: 1_000_000 });
    const counts = accountRun({
      intervalMs,
      startAtMs,
      scheduleIds: Array.from({ length: scheduleCount }, (_, i) => `chaos-${String(i).padStart(2, '0')}`),
      schedules,
      jobs,
      lines: cluster.readLogs(),
      acknowledged,
      faultsEndMs,
      settledAtMs,
      stuckAtSettle,
    });
    const durationMs = Date.now() - began;
    const summary =
      `[chaos ${backend.name}] seed ${seed}, ${(durationMs / 1000).toFixed(1)} s: ${formatCounts(counts)}; ` +
      `faults: ${executed.done.kill} kills, ${executed.done['kill-all']} all-node kill, ${executed.done['kill-connections']} connection kills ` +
      `(${executed.connectionsKilled} connections), ${executed.done['crash-server']} server crash; ${cluster.starts} node starts; ` +
      `enqueue rejected ${enqueueRejected}; store errors reported ${cluster.storeErrors}; settled ${settled ? `in ${settledAtMs - faultsEndMs} ms` : 'NO'}`;
    log(summary);
    for (const problem of Object.values(counts.problems)) log(`[chaos ${backend.name}]   ${problem}`);
    return {
      counts,
      summary,
      faultsDone: executed.done,
      connectionsKilled: executed.connectionsKilled,
      enqueueRejected,
      unexpectedExits: cluster.unexpectedExits,
      gracefulExitCodes: cluster.gracefulExitCodes,
      settled,
      durationMs,
    };
  } finally {
    await cluster.destroy();
    await client.stop();
    if (process.env.CHAOS_KEEP) log(`[chaos ${backend.name}] handler logs kept in ${directory}`);
    else rmSync(directory, { recursive: true, force: true });
  }
}

/** Runs the plan in real time. A fault that finds nothing to act on (a node already down) does nothing. */
async function executeFaults(
  faults: readonly TimedFault[],
  startMs: number,
  cluster: ChaosCluster,
  backend: ChaosBackend,
): Promise<{ done: Record<FaultAction['kind'], number>; connectionsKilled: number }> {
  const done = countFaults([]);
  let connectionsKilled = 0;
  for (const { atMs, action } of faults) {
    const delayMs = startMs + atMs - Date.now();
    if (delayMs > 0) await sleep(delayMs);
    switch (action.kind) {
      case 'kill':
        if (!(await cluster.kill(action.node))) continue;
        break;
      case 'restart':
        if (cluster.isAlive(action.node)) continue;
        cluster.start(action.node);
        break;
      case 'kill-all':
        await cluster.killAll();
        break;
      case 'restart-all':
        cluster.startAll();
        break;
      case 'kill-connections': {
        const nodes = action.node === null ? Array.from({ length: cluster.nodeCount }, (_, i) => i) : [action.node];
        for (const node of nodes) connectionsKilled += (await backend.killConnections?.(cluster.connectionName(node)).catch(() => 0)) ?? 0;
        break;
      }
      case 'crash-server':
        await backend.crashServer!();
        break;
      case 'restart-server':
        await backend.restartServer!();
        break;
    }
    done[action.kind]++;
  }
  return { done, connectionsKilled };
}

/** What the cluster has not finished yet; empty reasons: settled. */
async function unsettled(
  store: Store,
  acknowledged: ReadonlySet<string>,
  faultsEndMs: number,
  liveNodeIds: readonly string[],
): Promise<{ reasons: string[]; stuck: JobRecord[] }> {
  const reasons: string[] = [];
  let active: JobRecord[];
  let lagging: number;
  try {
    active = await store.listJobs({ status: ['queued', 'running', 'failed'], limit: 1_000_000 });
    lagging = (await store.listSchedules({ limit: 10_000 })).filter((s) => s.nextFireAtMs !== null && s.nextFireAtMs <= faultsEndMs).length;
  } catch (error) {
    return { reasons: [`store unreadable: ${(error as Error).message}`], stuck: [] };
  }
  const live = new Set(liveNodeIds);
  const stuck = active.filter((job) => job.status === 'running' && (job.leaseOwner === null || !live.has(job.leaseOwner)));
  const pendingAcknowledged = active.filter((job) => acknowledged.has(job.id)).length;
  const pendingFires = active.filter((job) => job.origin === 'schedule' && job.fireAtMs !== null && job.fireAtMs <= faultsEndMs).length;
  if (pendingAcknowledged > 0) reasons.push(`${pendingAcknowledged} acknowledged jobs unfinished`);
  if (pendingFires > 0) reasons.push(`${pendingFires} schedule jobs fired before the end of the faults unfinished`);
  if (stuck.length > 0) reasons.push(`${stuck.length} running jobs leased by gone nodes`);
  if (lagging > 0) reasons.push(`${lagging} schedules with a fire before the end of the faults still pending`);
  return { reasons, stuck };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
