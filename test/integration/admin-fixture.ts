import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveAdmin, type AdminServer, type ServeAdminOptions } from '../../src/admin/index.ts';
import { NonRetryableError, Scheduler, cron, every, task, type Clock, type SchedulerOptions } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';

export const operateToken = 'operate-token-0123456789abcdef';
export const readToken = 'read-token-0123456789abcdef';

/** A real scheduler on a temporary SQLite file, with three schedules, served by the admin on a free port. */
export interface AdminFixture {
  scheduler: Scheduler;
  store: SqliteStore;
  server: AdminServer;
  /** `http://127.0.0.1:<port>/api/` + path, with the operate token unless told otherwise. */
  call(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  close(): Promise<void>;
}

export const tasks = [
  task('ok', { run: ({ data }) => ({ echoed: data }) }),
  task('boom', {
    retry: { attempts: 1 },
    run: () => {
      throw new NonRetryableError('the remote answered 418');
    },
  }),
];

export async function startAdminFixture(
  options: { clock?: Clock; admin?: Partial<ServeAdminOptions>; scheduler?: Partial<Omit<SchedulerOptions, 'store' | 'tasks'>> } = {},
): Promise<AdminFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'sundial-admin-'));
  const store = new SqliteStore(join(dir, 'admin.db'));
  const scheduler = new Scheduler({
    store,
    tasks,
    nodeId: 'node-under-test',
    logger: 'error',
    ...(options.clock ? { clock: options.clock } : {}),
    ...options.scheduler,
  });
  await scheduler.start();
  await scheduler.schedule({ id: 'reports/daily', task: 'ok', trigger: cron('0 3 * * *', { tz: 'Europe/Berlin' }) });
  await scheduler.schedule({ id: 'tick', task: 'ok', trigger: every('10s') });
  await scheduler.schedule({ id: 'boom-hourly', task: 'boom', trigger: every('1h'), paused: true });
  const server = await serveAdmin({
    scheduler,
    auth: { tokens: [{ token: operateToken, role: 'operate' }, { token: readToken, role: 'read' }] },
    port: 0,
    eventPollIntervalMs: 50,
    onError: () => {},
    ...options.admin,
  });
  return {
    scheduler,
    store,
    server,
    call(path, init = {}) {
      const { token = operateToken, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
      return fetch(new URL(`api/${path}`, server.url), { ...rest, headers });
    },
    async close() {
      await server.close();
      await scheduler.stop({ timeout: '1s' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface SseEvent {
  event: string;
  id: string | undefined;
  data: string;
}

/**
 * Reads a server-sent event stream until `until` says so (or the server ends it), then closes it.
 * Events are parsed as the spec says: fields per line, a blank line ends an event.
 */
export async function readEvents(response: Response, until: (events: SseEvent[]) => boolean): Promise<SseEvent[]> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: SseEvent[] = [];
  let buffer = '';
  try {
    while (!until(events)) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: SseEvent = { event: 'message', id: undefined, data: '' };
        let hasField = false;
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const [field, ...rest] = line.split(':');
          const value = rest.join(':').replace(/^ /, '');
          hasField = true;
          if (field === 'event') event.event = value;
          else if (field === 'id') event.id = value;
          else if (field === 'data') event.data = event.data ? `${event.data}\n${value}` : value;
        }
        if (hasField) events.push(event);
      }
    }
  } finally {
    await reader.cancel();
  }
  return events;
}
