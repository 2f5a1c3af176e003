import { Hono } from 'hono';
import { UnknownTaskError, type JobRecord, type JobStatus, type JsonValue } from '../../index.ts';
import type { AdminContext } from '../admin-context.ts';
import type { AdminEnv } from '../admin-env.ts';
import { ApiError } from '../api-error.ts';
import { enqueueRequest } from '../enqueue-request.ts';
import { flowGraph } from '../flow-graph.ts';
import { payloadPreview } from '../payload-preview.ts';
import { instantParam, invalid, limitParam, optionalString, statusesParam } from '../query-params.ts';
import { taskCatalog } from '../task-catalog.ts';

const finalStatuses: readonly JobStatus[] = ['succeeded', 'dead', 'cancelled'];

/** A job without its attempts and its error's stack (the detail has both). */
export type JobSummary = Omit<JobRecord, 'attempts'>;

/**
 * A job in a listing: a summary whose `data` and `result` are previews (see `payloadPreview`),
 * with their sizes; the detail has them whole.
 */
export type ListedJob = Omit<JobSummary, 'data' | 'result'> & {
  data: JsonValue;
  dataBytes: number;
  dataTruncated: boolean;
  result: JsonValue;
  resultBytes: number;
  resultTruncated: boolean;
};

/** `/jobs`: filtered listing, detail, flow graph, enqueue (an operator's command), cancel, retry and purge. */
export function jobRoutes(ctx: AdminContext): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();

  app.get('/', async (c) => {
    const limit = limitParam(c.req.query('limit'), 50);
    const items = await ctx.scheduler.listJobs({
      status: statusesParam(c.req.query('status'), 'status'),
      task: optionalString(c.req.query('task'), 'task'),
      scheduleId: optionalString(c.req.query('scheduleId'), 'scheduleId'),
      createdAfterMs: instantParam(c.req.query('createdAfter'), 'createdAfter'),
      createdBeforeMs: instantParam(c.req.query('createdBefore'), 'createdBefore'),
      afterId: optionalString(c.req.query('afterId'), 'afterId'),
      limit,
    });
    return c.json({ items: items.map(listedJob), nextAfterId: items.length === limit ? items.at(-1)!.id : null });
  });

  // A job of a task some node knows, as `scheduler.enqueue` makes it: how an operator sends a
  // command. Its end arrives on the event stream (`job.succeeded` with its result, `job.dead`).
  app.post('/', async (c) => {
    const request = enqueueRequest(c.get('body'));
    const { items } = await taskCatalog(ctx);
    if (!items.includes(request.task)) {
      const known = items.length === 0 ? 'none yet' : items.length > 20 ? `${items.slice(0, 20).join(', ')}, …` : items.join(', ');
      throw new UnknownTaskError(`No task named "${request.task}" is known to this store (known: ${known})`);
    }
    return c.json({ job: await ctx.enqueue(request) }, 201);
  });

  app.post('/purge', async (c) => {
    const body = c.get('body');
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('Expected a JSON object body');
    const finishedBeforeMs = instantParam(body['finishedBefore'], 'finishedBefore');
    if (finishedBeforeMs === undefined) throw invalid('Expected `finishedBefore` (epoch milliseconds or an ISO 8601 date-time)');
    const statuses = statusesParam(body['statuses'], 'statuses', finalStatuses);
    const purged = await ctx.store.purgeJobs({ finishedBeforeMs, ...(statuses ? { statuses } : {}) });
    return c.json({ purged });
  });

  app.get('/:id', async (c) => {
    const job = await ctx.scheduler.getJob(c.req.param('id'));
    if (!job) throw notFound(c.req.param('id'));
    return c.json(job);
  });

  // The flow around a job (its parents and children, transitively), for the dashboard to draw.
  app.get('/:id/flow', async (c) => {
    const job = await ctx.scheduler.getJob(c.req.param('id'));
    if (!job) throw notFound(c.req.param('id'));
    return c.json(await flowGraph(ctx.scheduler, job));
  });

  app.post('/:id/cancel', async (c) => {
    const id = c.req.param('id');
    const current = await ctx.scheduler.getJob(id);
    if (!current) throw notFound(id);
    if (finalStatuses.includes(current.status)) {
      throw new ApiError(409, 'INVALID_JOB_STATE', `Job ${id} is ${current.status}: only waiting, queued, failed or running jobs can be cancelled`);
    }
    const job = await ctx.scheduler.cancelJob(id, 'cancelled from the admin API');
    if (!job) throw notFound(id);
    return c.json(job);
  });

  app.post('/:id/retry', async (c) => {
    const job = await ctx.scheduler.retryJob(c.req.param('id'));
    if (!job) throw notFound(c.req.param('id'));
    return c.json(job);
  });

  return app;
}

export function jobSummary(job: JobRecord): JobSummary {
  const { attempts: _attempts, ...rest } = job;
  return rest.error?.stack === undefined ? rest : { ...rest, error: { ...rest.error, stack: undefined } };
}

export function listedJob(job: JobRecord): ListedJob {
  const data = payloadPreview(job.data);
  const result = payloadPreview(job.result);
  return {
    ...jobSummary(job),
    data: data.value,
    dataBytes: data.bytes,
    dataTruncated: data.truncated,
    result: result.value,
    resultBytes: result.bytes,
    resultTruncated: result.truncated,
  };
}

function notFound(id: string): ApiError {
  return new ApiError(404, 'JOB_NOT_FOUND', `No job with id "${id}"`);
}
