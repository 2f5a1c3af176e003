import { Hono } from 'hono';
import { ScheduleBusyError, type JsonValue, type ScheduleRecord, type TriggerSpec } from '../../index.ts';
import { nextFireAfterMs } from '../../triggers/next-fire.ts';
import type { AdminContext } from '../admin-context.ts';
import type { AdminEnv } from '../admin-env.ts';
import { ApiError } from '../api-error.ts';
import { payloadPreview } from '../payload-preview.ts';
import { invalid, limitParam, optionalBoolean, optionalString } from '../query-params.ts';

/** How many upcoming fires a schedule's detail lists. */
const upcomingCount = 5;
/** `/:id/next?count=`: default and most. */
const defaultNextCount = 10;
const maxNextCount = 100;

/** `/schedules`: list, detail with upcoming fires, the next N fires, and the operator's actions. */
export function scheduleRoutes(ctx: AdminContext): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();

  app.get('/', async (c) => {
    const limit = limitParam(c.req.query('limit'), 100);
    const items = await ctx.scheduler.listSchedules({
      task: optionalString(c.req.query('task'), 'task'),
      paused: optionalBoolean(c.req.query('paused'), 'paused'),
      idPrefix: optionalString(c.req.query('idPrefix'), 'idPrefix'),
      afterId: optionalString(c.req.query('afterId'), 'afterId'),
      limit,
    });
    return c.json({ items: items.map(listedSchedule), nextAfterId: items.length === limit ? items.at(-1)!.id : null });
  });

  app.get('/:id', async (c) => {
    const schedule = await ctx.scheduler.getSchedule(c.req.param('id'));
    if (!schedule) throw notFound(c.req.param('id'));
    return c.json({ ...publicSchedule(schedule), upcomingFireAtMs: upcomingFires(schedule.trigger, schedule.nextFireAtMs, upcomingCount) });
  });

  // The schedule's next `count` nominal fire times (no jitter), from its stored next fire, as every
  // node computes them: empty once it has ended.
  app.get('/:id/next', async (c) => {
    const count = countParam(c.req.query('count'));
    const schedule = await ctx.scheduler.getSchedule(c.req.param('id'));
    if (!schedule) throw notFound(c.req.param('id'));
    return c.json({ fireAtMs: upcomingFires(schedule.trigger, schedule.nextFireAtMs, count) });
  });

  app.post('/:id/pause', async (c) => c.json(publicSchedule(await ctx.scheduler.pause(c.req.param('id')))));
  app.post('/:id/resume', async (c) => c.json(publicSchedule(await ctx.scheduler.resume(c.req.param('id')))));
  app.post('/:id/trigger', async (c) => {
    try {
      return c.json({ job: await ctx.scheduler.trigger(c.req.param('id')) }, 201);
    } catch (error) {
      // At its maxRunning: a conflict with the schedule's state, not a server error.
      if (error instanceof ScheduleBusyError) throw new ApiError(409, error.code, error.message);
      throw error;
    }
  });
  app.delete('/:id', async (c) => {
    if (!(await ctx.scheduler.unschedule(c.req.param('id')))) throw notFound(c.req.param('id'));
    return c.json({ removed: true });
  });

  return app;
}

/** The schedule without its lease bookkeeping token, which means nothing to an operator. */
export function publicSchedule(schedule: ScheduleRecord): Omit<ScheduleRecord, 'leaseToken'> {
  const { leaseToken: _leaseToken, ...rest } = schedule;
  return rest;
}

/** A schedule in a listing: its `data` is a preview (see `payloadPreview`), with its size; the detail has it whole. */
export function listedSchedule(schedule: ScheduleRecord): Omit<ScheduleRecord, 'leaseToken' | 'data'> & { data: JsonValue; dataBytes: number; dataTruncated: boolean } {
  const data = payloadPreview(schedule.data);
  return { ...publicSchedule(schedule), data: data.value, dataBytes: data.bytes, dataTruncated: data.truncated };
}

/** The next `count` nominal fire times from `nextFireAtMs`, as every node computes them. */
export function upcomingFires(trigger: TriggerSpec, nextFireAtMs: number | null, count: number): number[] {
  const fires: number[] = [];
  let fireMs = nextFireAtMs;
  while (fireMs !== null && fires.length < count) {
    fires.push(fireMs);
    fireMs = nextFireAfterMs(trigger, fireMs, fireMs);
  }
  return fires;
}

/** `count`: 1 to 100, default 10. */
function countParam(value: string | undefined): number {
  if (value === undefined) return defaultNextCount;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > maxNextCount) {
    throw invalid(`Expected \`count\` to be an integer from 1 to ${maxNextCount}, got ${JSON.stringify(value)}`);
  }
  return n;
}

function notFound(id: string): ApiError {
  return new ApiError(404, 'SCHEDULE_NOT_FOUND', `No schedule with id "${id}"`);
}
