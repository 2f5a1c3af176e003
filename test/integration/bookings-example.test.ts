// End to end: examples/bookings/main.ts as a reader runs it — three replica processes (Fastify +
// a Sundial scheduler each) on one PostgreSQL, the bookings in one random schema and Sundial's
// store in another — driven over HTTP like a user would. Real processes, real clock, short demo
// durations (a request expires after 2 s, a session ends 0.5 s after its end).
//
// Covered, one seed ADR-006 hole at a time (see examples/bookings/README.md):
// - a booking and its expiry job commit together or not at all (a transaction rolled back
//   leaves neither; committed, the job runs on a replica);
// - the API and the expiry job racing for one booking: exactly one wins, the other is a no-op —
//   a job that finds the row locked retries and then does nothing, never dies;
// - a burst of 1,000 expiries due at one instant, shared by the three replicas: transitions/s;
// - 60 bookings across the replicas, 40 confirmed, one replica SIGKILLed mid-run: every booking
//   reaches its final state, each transition applied exactly once (counted in an audit log
//   without a unique constraint), no job dead;
// - the dashboard, mounted on replica-1, lists the jobs; SIGTERM stops every process with 0.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { silentLogger } from '../../src/index.ts';
import { PostgresStore } from '../../src/postgres/index.ts';
import { BookingRepository } from '../../examples/bookings/booking-repository.ts';
import { BookingService } from '../../examples/bookings/booking-service.ts';
import { adminPool, dropSchema, pgEnv, pgUrl, randomSchema, requirePostgres } from '../fixtures/pg-env.ts';

const mainScript = fileURLToPath(new URL('../../examples/bookings/main.ts', import.meta.url));
const pgAvailable = await requirePostgres('test/integration/bookings-example.test.ts');
const requestTtlMs = 2_000;
const graceMs = 500;
const remindBeforeMs = 1_500;
const leaseMs = 1_000;

/** One `[name] {json}` line of main.ts's output, with when the test read it. */
interface Line {
  from: string;
  receivedAt: number;
  event: string;
  node?: string;
  [field: string]: unknown;
}

interface Replica {
  name: string;
  url: string;
  pid: number;
  admin?: string;
}

interface EventRow {
  booking_id: string;
  event: string;
  node: string;
  job_id: string | null;
  job_attempt: number | null;
  late_ms: number | null;
  at_ms: number;
}

class Launch {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: Line[] = [];
  readonly exited: Promise<number | null>;
  stderr = '';

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [mainScript], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout }).on('line', (text) => {
      const match = /^\[([\w-]+)\] (\{.*\})$/.exec(text);
      if (match) this.lines.push({ from: match[1]!, receivedAt: Date.now(), ...(JSON.parse(match[2]!) as { event: string }) });
    });
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  find(from: string | ((name: string) => boolean), event: string, where: (line: Line) => boolean = () => true): Line | undefined {
    return this.lines.find((line) => (typeof from === 'string' ? line.from === from : from(line.from)) && line.event === event && where(line));
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function http(method: string, url: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

describe.runIf(pgAvailable)('examples/bookings: three replicas on one PostgreSQL', () => {
  const bookingsSchema = randomSchema('bookings_example');
  const sundialSchema = randomSchema('bookings_example_sundial');
  const startedAt = Date.now();
  let admin: pg.Pool;
  let run: Launch;
  let replicas: Replica[];
  const b = (table: string) => `"${bookingsSchema}".${table}`;
  const s = (table: string) => `"${sundialSchema}".${table}`;

  const newBooking = (startsInMs: number, lengthMs = 1_000, student = 'bob') => {
    const startsAt = Date.now() + startsInMs;
    return { tutor: 'ada', student, startsAt, endsAt: startsAt + lengthMs };
  };
  const statuses = async (ids: readonly string[]) =>
    (await admin.query<{ id: string; status: string }>(`SELECT id, status FROM ${b('bookings')} WHERE id = ANY($1::uuid[])`, [ids])).rows;
  const eventsOf = async (ids: readonly string[]) =>
    (
      await admin.query<EventRow>(
        `SELECT booking_id, event, node, job_id, job_attempt, (extract(epoch FROM at - due_at) * 1000)::float8 AS late_ms, (extract(epoch FROM at) * 1000)::float8 AS at_ms
         FROM ${b('booking_events')} WHERE booking_id = ANY($1::uuid[]) ORDER BY seq`,
        [ids],
      )
    ).rows;
  const jobOf = async (dedupeKey: string) =>
    (await admin.query<{ status: string; attempt: number; result: { outcome: string } | null }>(`SELECT status, attempt, result FROM ${s('all_jobs')} WHERE dedupe_key = $1`, [dedupeKey])).rows[0];

  beforeAll(async () => {
    admin = adminPool();
    run = new Launch({
      DATABASE_URL: pgUrl(),
      BOOKINGS_SCHEMA: bookingsSchema,
      SUNDIAL_SCHEMA: sundialSchema,
      BOOKINGS_REQUEST_TTL: `${requestTtlMs}ms`,
      BOOKINGS_GRACE: `${graceMs}ms`,
      BOOKINGS_REMIND_BEFORE: `${remindBeforeMs}ms`,
      BOOKINGS_LEASE: `${leaseMs}ms`,
    });
    const ready = await until('main.ts ready', () => run.find('main', 'ready') ?? (run.child.exitCode !== null && Promise.reject(new Error(`main.ts exited: ${run.stderr}`))), 20_000);
    replicas = ready['replicas'] as Replica[];
    expect(replicas.map((r) => r.name)).toEqual(['replica-1', 'replica-2', 'replica-3']);
  });

  afterAll(async () => {
    if (run !== undefined && run.child.exitCode === null && run.child.signalCode === null) {
      run.child.kill('SIGTERM');
      const timer = setTimeout(() => run.child.kill('SIGKILL'), 15_000);
      await run.exited;
      clearTimeout(timer);
    }
    // A main.ts killed before it could stop its replicas leaves them behind: end those it did not see exit.
    const lines = run?.lines.filter((l) => l.from === 'main') ?? [];
    const exited = new Set(lines.filter((l) => l.event === 'exited').map((l) => l['pid']));
    for (const spawned of lines.filter((l) => l.event === 'spawned' && !exited.has(l['pid']))) {
      try {
        process.kill(Number(spawned['pid']), 'SIGKILL');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // it had exited, as it should
      }
    }
    await dropSchema(admin, bookingsSchema);
    await dropSchema(admin, sundialSchema);
    await admin.end();
    console.info(`[bookings] the whole file took ${Date.now() - startedAt} ms`);
  });

  test('a booking and its expiry job commit together or not at all', async () => {
    // The service's own write path, in a transaction this test controls.
    const pool = new pg.Pool({ ...pgEnv, max: 2 });
    const store = new PostgresStore({ connectionString: pgUrl(), schema: sundialSchema });
    const service = new BookingService({
      pool,
      repository: new BookingRepository(bookingsSchema),
      store,
      nodeId: 'test',
      timings: { requestTtlMs, graceMs, remindBeforeMs, handlerWorkMs: 0 },
      leaseMs,
      logger: silentLogger,
    });
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const [rolledBack] = await service.requestIn(client, [{ tutor: 'ada', student: 'bo', startsAtMs: Date.now() + 5_000, endsAtMs: Date.now() + 6_000 }]);
      // Inside the transaction both exist …
      expect((await client.query(`SELECT count(*)::int AS n FROM ${s('jobs')} WHERE dedupe_key = $1`, [`booking.expire:${rolledBack!.id}`])).rows[0].n).toBe(1);
      await client.query('ROLLBACK');
      // … after the rollback neither does: no booking without its expiry, no job without its booking.
      expect(await statuses([rolledBack!.id])).toEqual([]);
      expect(await jobOf(`booking.expire:${rolledBack!.id}`)).toBeUndefined();

      await client.query('BEGIN');
      const [committed] = await service.requestIn(client, [{ tutor: 'ada', student: 'cy', startsAtMs: Date.now() + 5_000, endsAtMs: Date.now() + 6_000 }]);
      await client.query('COMMIT');
      expect(await jobOf(`booking.expire:${committed!.id}`)).toMatchObject({ status: 'queued' });
      // Committed, the job is the replicas' to run: it expires the booking on time.
      await until('the committed booking expired by a replica', async () => (await statuses([committed!.id]))[0]?.status === 'expired', requestTtlMs + 5_000);
      const [expired] = (await eventsOf([committed!.id])).filter((e) => e.event === 'expired');
      expect(expired!.node).toMatch(/^replica-\d:/);
    } finally {
      client.release();
      await service.scheduler.stop();
      await store.close();
      await pool.end();
    }
  });

  test('the API and the expiry job race: exactly one wins, the other is a no-op', async () => {
    const [r1, r2, r3] = replicas as [Replica, Replica, Replica];
    // 1. Deterministic: the row is locked (a confirm under way) when the expiry job comes due.
    const created = await http('POST', `${r1.url}/bookings`, newBooking(10_000));
    expect(created.status).toBe(201);
    const id = (created.body['booking'] as { id: string }).id;
    const holder = await admin.connect();
    let confirmed: Promise<{ status: number; body: Record<string, unknown> }>;
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM ${b('bookings')} WHERE id = $1 FOR UPDATE`, [id]);
      // The job's FOR UPDATE NOWAIT is refused: its attempt fails (BookingBusyError) and is retried.
      await until('the expiry job refused by the lock and retried', async () => ((await jobOf(`booking.expire:${id}`))?.attempt ?? 0) >= 2, requestTtlMs + 5_000);
      confirmed = http('POST', `${r2.url}/bookings/${id}/confirm`); // waits for the lock (lock_timeout 2 s)
      await new Promise((resolve) => setTimeout(resolve, 100));
      await holder.query('COMMIT');
    } finally {
      holder.release();
    }
    expect(await confirmed).toMatchObject({ status: 200, body: { outcome: 'applied' } });
    const expiry = await until('the expiry job finished', async () => {
      const job = await jobOf(`booking.expire:${id}`);
      return job?.status === 'succeeded' || job?.status === 'dead' ? job : undefined;
    });
    expect(expiry).toMatchObject({ status: 'succeeded', result: { outcome: 'refused' } });
    expect(expiry.attempt).toBeGreaterThanOrEqual(2);
    expect((await eventsOf([id])).map((e) => e.event)).toEqual(['requested', 'confirmed']);

    // 2. At the boundary: 20 requests, each confirmed at the instant its expiry is due.
    const batch = await http('POST', `${r3.url}/bookings`, { bookings: Array.from({ length: 20 }, (_, i) => newBooking(10_000, 1_000, `race-${i}`)) });
    expect(batch.status).toBe(201);
    const raced = batch.body['bookings'] as Array<{ id: string; expiresAtMs: number }>;
    // The confirms are sent from 40 ms before the expiry is due to 36 ms after, 4 ms apart.
    const answers = await Promise.all(
      raced.map(async ({ id: bookingId, expiresAtMs }, i) => {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAtMs - 40 + i * 4 - Date.now())));
        return http('POST', `${replicas[i % 3]!.url}/bookings/${bookingId}/confirm`);
      }),
    );
    const ids = raced.map((r) => r.id);
    await until('every raced expiry job finished', async () => {
      const { rows } = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${s('all_jobs')} WHERE task = 'booking.expire' AND data->>'bookingId' = ANY($1) AND status IN ('succeeded', 'dead')`, [ids]);
      return rows[0]!.n === ids.length;
    });
    const events = await eventsOf(ids);
    let apiWon = 0;
    for (const [i, answer] of answers.entries()) {
      const won = events.filter((e) => e.booking_id === ids[i] && (e.event === 'confirmed' || e.event === 'expired'));
      expect(won).toHaveLength(1); // exactly one of the two
      if (won[0]!.event === 'confirmed') apiWon += 1;
      // The API's answer says who won: 200 applied, or 409 refused (expired first). Never a 5xx.
      expect(answer.status).toBe(won[0]!.event === 'confirmed' ? 200 : 409);
      expect(answer.body['outcome']).toBe(won[0]!.event === 'confirmed' ? 'applied' : 'refused');
    }
    const { rows: dead } = await admin.query(`SELECT id FROM ${s('all_jobs')} WHERE status = 'dead'`);
    expect(dead).toEqual([]);
    console.info(`[bookings] race at the expiry instant: API won ${apiWon}, expiry won ${ids.length - apiWon} of ${ids.length}; 0 errors, 0 dead jobs`);
  });

  test('1,000 expiries due at one instant: three replicas share them', async () => {
    const created = await http('POST', `${replicas[0]!.url}/bookings`, { bookings: Array.from({ length: 1_000 }, (_, i) => newBooking(60_000, 1_000, `burst-${i}`)) });
    expect(created.status).toBe(201);
    const bookings = created.body['bookings'] as Array<{ id: string; expiresAtMs: number }>;
    const ids = bookings.map((x) => x.id);
    const dueAtMs = bookings[0]!.expiresAtMs;
    await until(
      'all 1,000 expired',
      async () => (await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${b('bookings')} WHERE id = ANY($1::uuid[]) AND status = 'expired'`, [ids])).rows[0]!.n === ids.length,
      requestTtlMs + 15_000,
    );
    const events = (await eventsOf(ids)).filter((e) => e.event === 'expired');
    expect(events).toHaveLength(ids.length);
    const lastAtMs = Math.max(...events.map((e) => e.at_ms));
    const firstAtMs = Math.min(...events.map((e) => e.at_ms));
    const perReplica = countBy(events, (e) => e.node.split(':')[0]!);
    const perSecond = Math.round(ids.length / ((lastAtMs - dueAtMs) / 1000));
    console.info(
      `[bookings] burst: 1,000 expiries due at one instant, all applied ${Math.round(lastAtMs - dueAtMs)} ms after it (first ${Math.round(firstAtMs - dueAtMs)} ms) → ${perSecond} transitions/s with three replicas; per replica ${JSON.stringify(perReplica)}`,
    );
    expect(Object.keys(perReplica).sort()).toEqual(['replica-1', 'replica-2', 'replica-3']);
  });

  test('60 bookings, one replica SIGKILLed mid-run: every transition exactly once, none lost', async () => {
    const t0 = Date.now();
    // 60 requests across the replicas; 40 confirmed at once (on another replica than made them), 20 left to expire.
    const created = await Promise.all(Array.from({ length: 60 }, (_, i) => http('POST', `${replicas[i % 3]!.url}/bookings`, newBooking(2_500 + (i % 10) * 100, 1_000, `run-${i}`))));
    expect(created.every((c) => c.status === 201)).toBe(true);
    const ids = created.map((c) => (c.body['booking'] as { id: string }).id);
    const toConfirm = ids.slice(0, 40);
    const confirms = await Promise.all(toConfirm.map((bookingId, i) => http('POST', `${replicas[(i + 1) % 3]!.url}/bookings/${bookingId}/confirm`)));
    expect(confirms.map((c) => c.status)).toEqual(toConfirm.map(() => 200));

    // Mid-run, as the sessions are about to start (the start jobs reserved ahead by every node): SIGKILL replica-3.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, t0 + 2_300 - Date.now())));
    const victim = replicas[2]!;
    const killedAt = Date.now();
    process.kill(victim.pid, 'SIGKILL');
    await until('replica-3 gone', () => run.find('main', 'exited', (l) => l['name'] === victim.name));

    // Every booking reaches its final state.
    await until(
      'all 60 bookings final',
      async () => (await statuses(ids)).filter((row) => row.status === 'ended' || row.status === 'expired').length === ids.length,
      20_000,
    );
    const finishedAt = Date.now();
    const final = new Map((await statuses(ids)).map((row) => [row.id, row.status]));
    expect(toConfirm.every((bookingId) => final.get(bookingId) === 'ended')).toBe(true);
    expect(ids.slice(40).every((bookingId) => final.get(bookingId) === 'expired')).toBe(true);

    // Each transition exactly once, in order: counted in the audit log, which has no unique constraint.
    const events = await eventsOf(ids);
    for (const bookingId of ids) {
      const path = events.filter((e) => e.booking_id === bookingId).map((e) => e.event);
      expect(path).toEqual(toConfirm.includes(bookingId) ? ['requested', 'confirmed', 'reminded', 'started', 'ended'] : ['requested', 'expired']);
    }
    const { rows: duplicates } = await admin.query(`SELECT booking_id, event, count(*) FROM ${b('booking_events')} GROUP BY 1, 2 HAVING count(*) > 1`);
    expect(duplicates).toEqual([]);
    const { rows: dead } = await admin.query(`SELECT id, task, error FROM ${s('all_jobs')} WHERE status = 'dead'`);
    expect(dead).toEqual([]);

    // The jobs ran on every replica until the kill, on the two others after it.
    const byJobs = events.filter((e) => e.job_id !== null);
    const afterKill = byJobs.filter((e) => e.at_ms > killedAt);
    expect(new Set(byJobs.map((e) => e.node.split(':')[0])).size).toBeGreaterThanOrEqual(2);
    expect(afterKill.length).toBeGreaterThan(0);
    expect(afterKill.some((e) => e.node.startsWith(`${victim.name}:`))).toBe(false);
    const lateAfterKill = Math.max(...afterKill.map((e) => e.late_ms ?? 0));
    const transitions = events.filter((e) => e.event !== 'requested').length;
    console.info(
      `[bookings] run: 60 bookings, ${transitions} transitions and reminders (${countBy(events, (e) => e.event)['started']} started, ${countBy(events, (e) => e.event)['expired']} expired), ` +
        `replica-3 SIGKILLed at +${killedAt - t0} ms, all final at +${finishedAt - t0} ms; duplicates 0; latest transition after the kill ${Math.round(lateAfterKill)} ms after due (lease ${leaseMs} ms)`,
    );
    expect(lateAfterKill).toBeLessThan(leaseMs + 2_000);
  });

  test('the dashboard on replica-1 lists the jobs; SIGTERM stops every replica cleanly', async () => {
    const dashboard = replicas[0]!.admin!;
    expect(dashboard).toBe(`${replicas[0]!.url}/admin/`);
    const page = await fetch(dashboard);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const jobs = await http('GET', `${dashboard}api/jobs?task=booking.end&status=succeeded&limit=5`);
    expect(jobs.status).toBe(200);
    const items = jobs.body['items'] as Array<{ task: string; status: string }>;
    expect(items).toHaveLength(5);
    expect(items.every((job) => job.task === 'booking.end' && job.status === 'succeeded')).toBe(true);
    expect((await http('GET', `${replicas[1]!.url}/healthz`)).body).toMatchObject({ ready: true });

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const exits = run.lines.filter((l) => l.from === 'main' && l.event === 'exited');
    for (const name of ['replica-1', 'replica-2']) expect(exits.find((l) => l['name'] === name)).toMatchObject({ code: 0, signal: null });
    expect(exits.find((l) => l['name'] === 'replica-3')).toMatchObject({ signal: 'SIGKILL' });
    expect(run.find('main', 'stopped')).toMatchObject({ clean: true });
  });
});

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
