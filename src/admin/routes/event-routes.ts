import { Hono } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { sleep } from '../../time/clock.ts';
import { systemClock, type Clock } from '../../index.ts';
import type { AdminContext } from '../admin-context.ts';
import type { AdminEnv } from '../admin-env.ts';
import type { AdminSession, AdminSessions } from '../admin-sessions.ts';
import { ApiError } from '../api-error.ts';
import { formatEventId, jobEventName, parseEventId, readJobChanges, type FeedCursor } from '../job-feed.ts';
import { BreakerWatcher } from '../breaker-watcher.ts';
import { ScheduleWatcher } from '../schedule-watcher.ts';
import { jobSummary } from './job-routes.ts';
import { publicSchedule } from './schedule-routes.ts';

export interface EventStreamOptions {
  /** How often each stream reads the store's change feed. */
  pollIntervalMs: number;
  /** Most streams open at once; more are refused with 503 (each one polls the store). */
  maxStreams: number;
  /** Timers for the polling cadence (real time, even when `ctx.clock` is virtual). */
  timerClock?: Clock;
  /** A stream opened with a session cookie ends when that session expires or is signed out here. */
  sessions?: AdminSessions | null;
}

const heartbeatMs = 15_000;
/** Schedules and breakers are listed every this many polls (they have no change feed, so a listing is the cost). */
const schedulePollEvery = 4;

/**
 * `/events`: server-sent events for job, schedule and breaker changes made by any node. Each open stream
 * polls the store on its own timer, so nothing polls while nobody watches.
 */
export function eventRoutes(ctx: AdminContext, options: EventStreamOptions, streams: Set<AbortController>): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const timerClock = options.timerClock ?? systemClock;

  app.get('/', (c) => {
    const lastEventId = c.req.header('last-event-id') ?? c.req.query('lastEventId');
    let cursor: FeedCursor = { updatedAtMs: ctx.clock.now(), jobId: '' };
    if (lastEventId !== undefined && lastEventId !== '') {
      const parsed = parseEventId(lastEventId);
      if (!parsed) throw new ApiError(400, 'INVALID_ARGUMENT', 'Expected Last-Event-ID to be an id this stream sent (`<updatedAtMs>-<jobId>`)');
      cursor = parsed;
    }
    if (streams.size >= options.maxStreams) throw new ApiError(503, 'TOO_MANY_STREAMS', `At most ${options.maxStreams} event streams may be open at once`);
    const credential = c.get('credential');
    const session = credential.kind === 'session' ? credential.session : null;
    const controller = new AbortController();
    streams.add(controller);
    c.header('X-Accel-Buffering', 'no'); // let reverse proxies pass events through unbuffered
    return streamSSE(c, async (stream) => {
      stream.onAbort(() => controller.abort());
      try {
        await run(stream, cursor, session, controller.signal);
      } finally {
        streams.delete(controller);
      }
    });
  });

  async function run(stream: SSEStreamingApi, start: FeedCursor, session: AdminSession | null, signal: AbortSignal): Promise<void> {
    let cursor = start;
    const watcher = new ScheduleWatcher();
    const breakers = new BreakerWatcher();
    // The baseline listings come first: a change made once `ready` is seen is reported.
    await watcher.poll(ctx.store);
    await breakers.poll(ctx.store);
    await stream.writeSSE({ event: 'ready', id: formatEventId(cursor), data: JSON.stringify({ nowMs: ctx.clock.now() }), retry: 2000 });
    let sinceHeartbeatMs = 0;
    for (let tick = 0; !signal.aborted && !stream.aborted && !stream.closed; tick++) {
      // The browser reconnects by itself, is refused, and the page makes a new session with its token.
      if (session !== null && options.sessions?.isActive(session) === false) break;
      try {
        const changes = await readJobChanges(ctx.store, cursor);
        for (const job of changes.jobs) {
          const id = formatEventId({ updatedAtMs: job.updatedAtMs, jobId: job.id });
          await stream.writeSSE({ event: jobEventName(job.status), id, data: JSON.stringify(jobSummary(job)) });
        }
        cursor = changes.cursor;
        if (tick % schedulePollEvery === schedulePollEvery - 1) {
          // No `id:` on schedule and breaker events: the browser keeps the job cursor as its Last-Event-ID.
          for (const change of await watcher.poll(ctx.store)) {
            await stream.writeSSE({ event: change.event, data: JSON.stringify({ scheduleId: change.scheduleId, schedule: change.schedule && publicSchedule(change.schedule) }) });
          }
          for (const change of await breakers.poll(ctx.store)) await stream.writeSSE({ event: 'breaker.changed', data: JSON.stringify(change) });
        }
        sinceHeartbeatMs += options.pollIntervalMs;
        if (sinceHeartbeatMs >= heartbeatMs) {
          sinceHeartbeatMs = 0;
          await stream.write(': heartbeat\n\n');
        }
      } catch (error) {
        if (signal.aborted || stream.aborted) break;
        ctx.report(error);
      }
      await sleep(timerClock, options.pollIntervalMs, signal).catch(() => undefined);
    }
  }

  return app;
}
