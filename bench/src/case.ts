// One benchmark case in its own OS process: node bench/src/case.ts --system S --scenario X [...]
// Prints one JSON line (the figures, or `na` with the reason, or `error`). run.ts spawns these.
import { args, emit, uniqueName } from './lib/common.ts';
import * as scenarios from './lib/scenarios.ts';
import type { BenchSystem } from './lib/system.ts';

export const systems = ['sundial-sqlite', 'sundial-postgres', 'sundial-redis', 'bullmq', 'pg-boss', 'graphile-worker', 'croner'] as const;

/** Loads only the system under test, so no other library's code or memory is in this process. */
async function makeSystem(system: string, name: string): Promise<BenchSystem> {
  switch (system) {
    case 'sundial-sqlite': return (await import('./systems/sundial.ts')).sundialSystem('sqlite', name);
    case 'sundial-postgres': return (await import('./systems/sundial.ts')).sundialSystem('postgres', name);
    case 'sundial-redis': return (await import('./systems/sundial.ts')).sundialSystem('redis', name);
    case 'bullmq': return (await import('./systems/bullmq.ts')).bullmqSystem(name);
    case 'pg-boss': return (await import('./systems/pg-boss.ts')).pgBossSystem(name);
    case 'graphile-worker': return (await import('./systems/graphile-worker.ts')).graphileSystem(name);
    case 'croner': return (await import('./systems/croner.ts')).cronerSystem();
    default: throw new Error(`unknown system ${system}`);
  }
}

const name = args.name || uniqueName('bench');
const caseArgs = ['--system', String(args.system), '--scenario', String(args.scenario), '--variant', String(args.variant), '--name', name, ...(args.quick ? ['--quick'] : [])];
const system = await makeSystem(String(args.system), name);

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

const producer = args.scenario === 'latency' ? await makeSystem(String(args.system), name) : null;
try {
  const figures = await run();
  emit({ ...figures, system: String(args.system), settings: system.describe() });
} catch (error) {
  emit({ error: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
} finally {
  await system.close().catch(() => undefined);
  await producer?.close().catch(() => undefined);
  await (await makeSystem(String(args.system), name)).teardown().catch(() => undefined);
}
process.exit();

async function run(): Promise<Record<string, unknown>> {
  const reason = system.naReasons?.[String(args.scenario)];
  if (reason) return { na: reason };
  switch (args.scenario) {
    case 'enqueue': return scenarios.enqueue(system);
    case 'process': return scenarios.processJobs(system, Number(args.concurrency));
    case 'fire-burst': return scenarios.fireBurst(system);
    case 'delayed-burst': return scenarios.fireBurst(system, 'delayed');
    case 'recurrent': return scenarios.recurrent(system);
    case 'nodes': return scenarios.nodes(system, caseArgs);
    case 'takeover': return scenarios.takeover(system, caseArgs);
    case 'scale': return scenarios.scale(system, caseArgs);
    case 'latency': return scenarios.latency(system, producer!);
    default: throw new Error(`unknown scenario ${String(args.scenario)}`);
  }
}
