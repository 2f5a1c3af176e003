import type { JobRecord, JobStatus, Scheduler } from '../index.ts';

/** A job as a node of a flow graph: enough to draw it and link to it. */
export interface FlowNode {
  id: string;
  task: string;
  status: JobStatus;
  /** The jobs it waits (or waited) for; [] for a root. */
  parents: string[];
  createdAtMs: number;
  finishedAtMs: number | null;
}

/** What `GET /jobs/:id/flow` answers. */
export interface FlowGraph {
  /** The jobs reached, oldest first (ties by id). */
  jobs: FlowNode[];
  /** [parentId, childId], both among `jobs`, sorted. */
  edges: Array<[string, string]>;
  /** True when the walk stopped at `maxJobs`: some jobs of the flow (and their edges) are left out. */
  truncated: boolean;
}

/** The most jobs one flow graph holds: a dashboard draws it, and each one costs a store call. */
export const maxFlowJobs = 200;
const childPageSize = 100;

/**
 * The flow around `start`: every job linked to it through parents and children, transitively in
 * both directions (a child's other parents too), breadth-first, so that the nearest jobs are kept
 * when the flow is larger than `maxJobs`. A parent id that names no job (purged) is skipped.
 */
export async function flowGraph(scheduler: Scheduler, start: JobRecord, maxJobs = maxFlowJobs): Promise<FlowGraph> {
  const found = new Map<string, JobRecord>([[start.id, start]]);
  const queue: JobRecord[] = [start];
  let truncated = false;
  const add = (job: JobRecord): void => {
    if (found.has(job.id)) return;
    if (found.size >= maxJobs) {
      truncated = true;
      return;
    }
    found.set(job.id, job);
    queue.push(job);
  };
  for (let next = queue.shift(); next !== undefined && !truncated; next = queue.shift()) {
    for (const parentId of next.parents ?? []) {
      if (found.has(parentId)) continue;
      const parent = await scheduler.getJob(parentId);
      if (parent) add(parent);
    }
    // Paged: some children may be found already (a diamond), so a page of them proves nothing.
    let afterId: string | undefined;
    while (!truncated) {
      const children = await scheduler.listJobs({ parentId: next.id, afterId, limit: childPageSize });
      for (const child of children) add(child);
      if (children.length < childPageSize) break;
      afterId = children.at(-1)!.id;
    }
  }
  const jobs = [...found.values()].sort((a, b) => a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const edges: Array<[string, string]> = [];
  for (const job of jobs) for (const parentId of job.parents ?? []) if (found.has(parentId)) edges.push([parentId, job.id]);
  edges.sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]));
  return { jobs: jobs.map(flowNode), edges, truncated };
}

function flowNode(job: JobRecord): FlowNode {
  return { id: job.id, task: job.task, status: job.status, parents: job.parents ?? [], createdAtMs: job.createdAtMs, finishedAtMs: job.finishedAtMs };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
