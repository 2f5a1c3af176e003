import { Hono } from 'hono';
import type { JobRecord } from '../../index.ts';
import type { AdminContext } from '../admin-context.ts';
import type { AdminEnv } from '../admin-env.ts';
import { nodeAliveWindowMs, taskCatalog } from '../task-catalog.ts';

const statsWindowMs = 60 * 60_000;
const statsBucketMs = 60_000;
/** How many of the newest jobs the lateness percentiles are computed over. */
const latenessSample = 200;

/** `/tasks`, `/nodes` and `/stats`: what exists and how the cluster is doing (and what its store cannot promise). */
export function systemRoutes(ctx: AdminContext): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();

  app.get('/tasks', async (c) => c.json(await taskCatalog(ctx)));

  app.get('/nodes', async (c) => {
    const nowMs = ctx.clock.now();
    const nodes = await ctx.store.listNodes();
    return c.json({ items: nodes.map((node) => ({ ...node, alive: node.lastSeenAtMs > nowMs - nodeAliveWindowMs })) });
  });

  app.get('/stats', async (c) => {
    const nowMs = ctx.clock.now();
    const [stats, recent, nodes, storeWarnings] = await Promise.all([
      ctx.store.jobStats({ nowMs, sinceMs: nowMs - statsWindowMs, bucketMs: statsBucketMs }),
      ctx.store.listJobs({ limit: latenessSample }),
      ctx.store.listNodes({ seenAfterMs: nowMs - nodeAliveWindowMs }),
      // What the store's server is configured to lose (no persistence, eviction); [] when the store cannot tell.
      ctx.store.durabilityWarnings?.() ?? [],
    ]);
    return c.json({
      nowMs,
      bucketMs: statsBucketMs,
      byStatus: stats.byStatus,
      finished: stats.finished,
      lateness: latenessOf(recent),
      nodesAlive: nodes.length,
      storeWarnings,
    });
  });

  return app;
}

/**
 * How late jobs started: the start of each job's last attempt minus its `runAtMs` (the instant it
 * became due; a retry moves it to the retry's time), as p50 and p99 in milliseconds.
 */
export function latenessOf(jobs: readonly JobRecord[]): { sample: number; p50Ms: number | null; p99Ms: number | null } {
  const delays = jobs
    .map((job) => job.attempts.at(-1)?.startedAtMs)
    .map((startedAtMs, i) => (startedAtMs === undefined ? null : Math.max(0, startedAtMs - jobs[i]!.runAtMs)))
    .filter((delay): delay is number => delay !== null)
    .sort((a, b) => a - b);
  return { sample: delays.length, p50Ms: percentile(delays, 0.5), p99Ms: percentile(delays, 0.99) };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
