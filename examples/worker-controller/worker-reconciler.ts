// ADR-011's WorkerReconciler: the discovery loop (was AutoImportWorkersJob), metrics collection
// (WorkerMetricsCollectionJob) and idle detection (ActivityDetectionJob) as one Sundial controller
// whose keys are worker ids. controller-node.ts runs it on the leader only.
//
// It keeps no state of its own: each reconcile reads the worker and the observation the leader
// wrote last time from the cloud (level-triggered, as a Kubernetes controller reads an object's
// status), adds a CPU sample, and writes the observation back under its leader term. So a new
// leader carries on where the old one stopped, and a deposed leader's late write is refused.
import { controller, type Controller, type LeaderElector } from '../../src/controllers/index.ts';
import type { Logger, Store } from '../../src/index.ts';
import type { CloudClient } from './cloud-client.ts';
import type { LogEvent } from './log-events.ts';
import type { CpuSample } from './fake-cloud.ts';

export interface WorkerReconcilerOptions {
  cloud: CloudClient;
  /** Whose term fences the writes. */
  elector: LeaderElector;
  /** With it, `enqueue(workerId)` on any node reaches the leader, and the leader publishes the controller's status. */
  store: Store;
  nodeId: string;
  sampleEveryMs: number;
  resyncEveryMs: number;
  idleSamples: number;
  idleCpuPercent: number;
  log: LogEvent;
  logger: Logger;
}

/** Samples kept per worker in its observation. */
const keptSamples = 10;

export function workerReconciler(options: WorkerReconcilerOptions): Controller {
  const { cloud, elector, log } = options;
  let listed = new Set<string>();
  return controller({
    name: 'workers',
    store: options.store,
    nodeId: options.nodeId,
    logger: options.logger,
    resyncEvery: options.resyncEveryMs,
    maxConcurrent: 4,
    publishStatusEvery: Math.min(5_000, options.resyncEveryMs),

    // Discovery: every instance is a key, at the start of each term and every resyncEvery.
    async list({ signal }) {
      let ids: string[];
      try {
        ids = (await cloud.instances(signal)).map((instance) => instance.id);
      } catch (error) {
        // A list() that throws at start fails the controller's start, and leaderOnly does not
        // start it again within the term: a cloud hiccup at election time would leave this
        // leader without discovery. So the listing reports the failure and keeps the last keys;
        // the next resync lists again.
        log('list-failed', { error: (error as Error).message, keeping: listed.size });
        return [...listed];
      }
      for (const workerId of ids) if (!listed.has(workerId)) log('discovered', { workerId });
      listed = new Set(ids);
      return ids;
    },

    async reconcile(workerId, { signal }) {
      const instance = await cloud.instance(workerId, signal);
      if (instance === null) {
        log('worker-gone', { workerId });
        return; // terminated: the key is forgotten
      }
      const sample = instance.state === 'stopped' ? null : await cloud.metrics(workerId, signal);
      const previous = instance.observation;
      const samples = sample === null ? [] : [...(previous?.samples ?? []), sample].slice(-keptSamples);
      const idle = isIdle(samples, options.idleSamples, options.idleCpuPercent);
      const wasIdle = (previous?.idleSinceMs ?? null) !== null;
      const idleSinceMs = idle ? (previous?.idleSinceMs ?? samples.at(-options.idleSamples)!.atMs) : null;
      const term = elector.term;
      if (term === null) return; // deposed meanwhile: this controller is being stopped
      // Fenced: the cloud refuses a term older than the newest it saw (a paused ex-leader waking up).
      await cloud.writeObservation(workerId, { nodeId: options.nodeId, term: term.term, atMs: Date.now(), samples, idleSinceMs }, signal);
      if (idle && !wasIdle) log('idle-detected', { workerId, idleSinceMs, cpuPercent: samples.slice(-options.idleSamples).map((s) => s.cpuPercent) });
      if (!idle && wasIdle) log('idle-ended', { workerId, state: instance.state });
      log('reconciled', { workerId, state: instance.state, cpuPercent: sample?.cpuPercent ?? null, idle, term: term.term });
      return { requeueAfter: options.sampleEveryMs };
    },
  });
}

/** Idle: the last `count` samples are all under the threshold. */
export function isIdle(samples: readonly CpuSample[], count: number, thresholdPercent: number): boolean {
  const recent = samples.slice(-count);
  return recent.length === count && recent.every((sample) => sample.cpuPercent < thresholdPercent);
}
