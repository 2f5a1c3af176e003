// One benchmark case in its own OS process: node bench/src/case.ts --system S --scenario X [...]
// Prints one JSON line (the figures, or `na` with the reason, or `error`). run.ts spawns these.
import { args, emit, uniqueName } from './lib/common.ts';
import * as scenarios from './lib/scenarios.ts';
import type { BenchSystem } from './lib/system.ts';
import { bullmqSystem } from './systems/bullmq.ts';
import { cronerSystem } from './systems/croner.ts';
import { graphileSystem } from './systems/graphile-worker.ts';
import { pgBossSystem } from './systems/pg-boss.ts';
import { sundialSystem } from './systems/sundial.ts';

export const systems = ['sundial-sqlite', 'sundial-postgres', 'sundial-redis', 'bullmq', 'pg-boss', 'graphile-worker', 'croner'] as const;

function makeSystem(system: string, name: string): BenchSystem {
  switch (system) {
    case 'sundial-sqlite': return sundialSystem('sqlite', name);
    case 'sundial-postgres': return sundialSystem('postgres', name);
    case 'sundial-redis': return sundialSystem('redis', name);
    case 'bullmq': return bullmqSystem(name);
    case 'pg-boss': return pgBossSystem(name);
    case 'graphile-worker': return graphileSystem(name);
    case 'croner': return cronerSystem();
    default: throw new Error(`unknown system ${system}`);
  }
}

const name = args.name || uniqueName('bench');
const caseArgs = ['--system', String(args.system), '--scenario', String(args.scenario), '--variant', String(args.variant), '--name', name, ...(args.quick ? ['--quick'] : [])];
const system = makeSystem(String(args.system), name);

if (args.role !== 'main') {
  await scenarios.childRole(system, String(args.role));
  await system.close();
  process.exit(0);
}

// A bounded case: run.ts also kills it, this is the case's own guard.
const guard = setTimeout(() => {
  emit({ error: 'case timed out (own guard)' });
  process.exit(2);
}, Number(process.env.BENCH_CASE_TIMEOUT_MS ?? 900_000));
guard.unref();

const producer = args.scenario === 'latency' ? makeSystem(String(args.system), name) : null;
try {
  const figures = await run();
  emit({ ...figures, system: String(args.system), settings: system.describe() });
} catch (error) {
  emit({ error: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
} finally {
  await system.close().catch(() => undefined);
  await producer?.close().catch(() => undefined);
  await makeSystem(String(args.system), name).teardown().catch(() => undefined);
}
process.exit();

async function run(): Promise<Record<string, unknown>> {
  const reason = system.naReasons?.[String(args.scenario)];
  if (reason) return { na: reason };
  switch (args.scenario) {
    case 'enqueue': return scenarios.enqueue(system);
    case 'process': return scenarios.processJobs(system, Number(args.concurrency));
    case 'fire-burst': return scenarios.fireBurst(system);
    case 'recurrent': return scenarios.recurrent(system);
    case 'nodes': return scenarios.nodes(system, caseArgs);
    case 'takeover': return scenarios.takeover(system, caseArgs);
    case 'scale': return scenarios.scale(system);
    case 'latency': return scenarios.latency(system, producer!);
    default: throw new Error(`unknown scenario ${String(args.scenario)}`);
  }
}
