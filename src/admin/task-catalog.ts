import type { AdminContext } from './admin-context.ts';

/** A node counts as alive when it reported within this window (nodes report every few seconds). */
export const nodeAliveWindowMs = 15_000;

/** The tasks the admin knows of, and those some live node runs. */
export interface TaskCatalog {
  /** This process's tasks, every node's, and those of stored schedules and recent jobs, sorted. */
  items: string[];
  /** Tasks some live node with the jobs role runs (registers and serves the queue of), sorted. */
  runnable: string[];
}

/**
 * What `GET /tasks` answers, and what `POST /jobs` accepts: a task is known when this process
 * registers it, a node reports it, or a stored schedule or job names it. A node claims only jobs
 * of the tasks it runs: a job of any other task waits, queued, until a live node that runs it
 * (and has the jobs role) takes it.
 */
export async function taskCatalog(ctx: AdminContext): Promise<TaskCatalog> {
  const names = new Set(ctx.localTaskNames());
  const aliveAfterMs = ctx.clock.now() - nodeAliveWindowMs;
  const runnable = new Set<string>();
  const [nodes, schedules, jobs] = await Promise.all([ctx.store.listNodes(), ctx.store.listSchedules({ limit: 1000 }), ctx.store.listJobs({ limit: 500 })]);
  for (const node of nodes) {
    for (const task of node.tasks) {
      names.add(task);
      if (node.roles.jobs && node.lastSeenAtMs > aliveAfterMs) runnable.add(task);
    }
  }
  for (const schedule of schedules) names.add(schedule.task);
  for (const job of jobs) names.add(job.task);
  return { items: [...names].sort(), runnable: [...runnable].sort() };
}
