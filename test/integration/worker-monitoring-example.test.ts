// End to end: examples/worker-monitoring/main.ts as a reader runs it — the fake cloud in main.ts's
// process and two replicas on a real Redis (a random key prefix, deleted afterwards) — driven over
// HTTP. Real processes, real clock, a collection every second, the default 3 s lease.
//
// Covered, counting the `collected` lines the replicas write (one per worker and fire):
// three workers registered through replica A are collected once per round by the two replicas
// together, never twice for one fire; a terminated instance ends its own schedule (both replicas'
// cluster observers hear `schedule.ended`) and is never collected again; SIGKILL of replica A →
// main.ts starts it again, the schedules are intact, the other workers are collected without a
// gap longer than interval + lease, and the new replica A hears replica B's jobs again; a worker
// deleted through replica B is not collected again; SIGTERM → everything exits 0.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { deletePrefix, randomPrefix, redisUrl, requireRedis } from '../fixtures/redis-test-helpers.ts';

const mainScript = fileURLToPath(new URL('../../examples/worker-monitoring/main.ts', import.meta.url));
const intervalMs = 1_000;
const leaseMs = 3_000;
// In CI a missing Redis fails this file here; elsewhere the test is skipped with the reason printed.
const redisAvailable = await requireRedis();

/** One `[name] {json}` line of main.ts's output, with when the test read it. */
interface Line {
  from: string;
  receivedAt: number;
  event: string;
  node?: string;
  [field: string]: unknown;
}

/** A `collected` line: one collection of one worker's metrics for one fire. */
interface Collection {
  from: string;
  atMs: number;
  workerId: string;
  fireAtMs: number;
  attempt: number;
}

class Launch {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: Line[] = [];
  readonly exited: Promise<number | null>;
  stderr = '';

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [mainScript, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout }).on('line', (text) => {
      const match = /^\[([\w-]+)\] (\{.*\})$/.exec(text);
      if (match) this.lines.push({ from: match[1]!, receivedAt: Date.now(), ...(JSON.parse(match[2]!) as { event: string }) });
    });
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  find(from: string | null, event: string, where: (line: Line) => boolean = () => true): Line | undefined {
    return this.lines.find((line) => (from === null || line.from === from) && line.event === event && where(line));
  }

  collections(workerId?: string): Collection[] {
    return this.lines
      .filter((l) => l.event === 'collected' && (workerId === undefined || l['workerId'] === workerId))
      .map((l) => ({ from: l.from, atMs: Date.parse(String(l['at'])), workerId: String(l['workerId']), fireAtMs: Number(l['fireAtMs']), attempt: Number(l['attempt']) }));
  }
}

let launch: Launch | null = null;
afterEach(async () => {
  if (launch && launch.child.exitCode === null && launch.child.signalCode === null) {
    launch.child.kill('SIGTERM');
    const timer = setTimeout(() => launch?.child.kill('SIGKILL'), 15_000);
    await launch.exited;
    clearTimeout(timer);
  }
  // A main.ts killed before it could stop its replicas leaves them behind: end those it did not
  // see exit (only those: the pid of one that exited may belong to another process by now).
  const lines = launch?.lines.filter((l) => l.from === 'main') ?? [];
  const exited = new Set(lines.filter((l) => l.event === 'exited').map((l) => l['pid']));
  for (const spawned of lines.filter((l) => l.event === 'spawned' && !exited.has(l['pid']))) {
    try {
      process.kill(Number(spawned['pid']), 'SIGKILL');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // ESRCH: it had exited, as it should
    }
  }
  launch = null;
});

async function until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function http(method: string, url: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** The longest time between two consecutive collections, in ms. */
function longestGap(collections: Collection[]): number {
  const times = collections.map((c) => c.atMs).sort((a, b) => a - b);
  return Math.max(0, ...times.slice(1).map((t, i) => t - times[i]!));
}

describe.runIf(redisAvailable)('examples/worker-monitoring on Redis, two replicas', () => {
  test('once per fire across replicas, self-ending schedules, SIGKILL and restart, delete through the other replica', { timeout: 45_000 }, async () => {
    const prefix = randomPrefix('worker-monitoring');
    const startedAt = Date.now();
    const run = (launch = new Launch(['--interval', `${intervalMs}ms`, '--lease', `${leaseMs}ms`, '--redis', redisUrl, '--prefix', prefix]));
    try {
      const ready = await until('main.ts ready', () => run.find('main', 'ready'));
      const replicas = ready['replicas'] as Record<'replica-a' | 'replica-b', string>;
      const [a, b, cloud] = [replicas['replica-a'], replicas['replica-b'], String(ready['cloud'])];

      // Three workers, registered through replica A; the payload of each schedule is the worker id only.
      const workers: string[] = [];
      for (const instanceId of ['i-1', 'i-2', 'i-3']) {
        const registered = await http('POST', `${a}/workers`, { instanceId });
        expect(registered.status).toBe(201);
        expect((registered.body['schedule'] as { data: unknown }).data).toEqual({ workerId: registered.body['id'] });
        workers.push(String(registered.body['id']));
      }
      const [kept, deleted, terminated] = workers as [string, string, string];
      expect((await http('POST', `${a}/workers`, { instanceId: 'i-1' })).status).toBe(409);
      expect((await http('POST', `${a}/workers`, { instanceId: 'i-99' })).status).toBe(422);

      // Several rounds: every worker once per fire, no fire skipped, the two replicas together.
      await until('four rounds', () => workers.every((id) => run.collections(id).length >= 4), 10_000);
      const beforeTermination = Date.now();
      for (const id of workers) {
        const fires = run.collections(id).map((c) => c.fireAtMs);
        expect(fires.slice(1).map((fire, i) => fire - fires[i]!)).toEqual(fires.slice(1).map(() => intervalMs));
      }
      const rounds = Math.min(...workers.map((id) => run.collections(id).length));
      const collectedBy = new Set(run.collections().map((c) => c.from));

      // Terminate i-3 in the cloud: its next collection ends its schedule, heard on both replicas.
      expect((await http('POST', `${cloud}/instances/i-3/terminate`)).status).toBe(200);
      const terminatedAt = Date.now();
      const ended = await until('the terminated worker ending its schedule', () => run.find(null, 'monitoring-ended', (l) => l['workerId'] === terminated));
      expect(ended['reason']).toBe('instance terminated');
      const scheduleId = `worker-metrics:${terminated}`;
      for (const replica of ['replica-a', 'replica-b']) {
        await until(`${replica} observing schedule.ended`, () => run.find(replica, 'observed', (l) => l['what'] === 'schedule.ended' && l['scheduleId'] === scheduleId));
      }
      const afterTermination = await http('GET', `${b}/workers/${terminated}`);
      expect(afterTermination.body).toMatchObject({ status: 'terminated', schedule: null });

      // SIGKILL replica A; main.ts starts it again on the same port; replica B runs the fires meanwhile.
      await sleep(intervalMs);
      const killed = run.find('main', 'spawned', (l) => l['name'] === 'replica-a')!;
      const killedAt = Date.now();
      process.kill(Number(killed['pid']), 'SIGKILL');
      const restarted = await until('replica A restarted', () => run.find('main', 'restarted', (l) => l['name'] === 'replica-a'));
      expect(restarted['url']).toBe(a);
      const newA = run.find('replica-a', 'listening', (l) => l.receivedAt > killedAt)!.node!;
      // Its observers are subscribed again by its start: it hears replica B's jobs.
      await until('the new replica A observing a job of replica B', () =>
        run.find('replica-a', 'observed', (l) => l.node === newA && l['what'] === 'job.succeeded' && String(l['ranOn']).startsWith('replica-b')),
      );
      await until('a lease and two rounds after the kill', () => Date.now() > killedAt + leaseMs + 2 * intervalMs || null, 10_000);
      const listed = await http('GET', `${a}/workers`);
      const schedules = Object.fromEntries((listed.body['workers'] as Array<{ id: string; schedule: { id: string } | null }>).map((w) => [w.id, w.schedule?.id ?? null]));
      expect(schedules).toEqual({ [kept]: `worker-metrics:${kept}`, [deleted]: `worker-metrics:${deleted}`, [terminated]: null });

      // Delete a worker through replica B: it is not collected again, the other one goes on.
      expect((await http('DELETE', `${b}/workers/${deleted}`)).status).toBe(204);
      const deletedAt = Date.now();
      expect((await http('GET', `${a}/workers/${deleted}`)).status).toBe(404);
      const keptBeforeWait = run.collections(kept).length;
      await until('two more rounds of the kept worker', () => run.collections(kept).length >= keptBeforeWait + 2 || null, 10_000);

      // The figures.
      const all = run.collections();
      const perFire = new Map<string, number>();
      for (const c of all) perFire.set(`${c.workerId}@${c.fireAtMs}`, (perFire.get(`${c.workerId}@${c.fireAtMs}`) ?? 0) + 1);
      const duplicates = [...perFire.entries()].filter(([, count]) => count > 1);
      const restartGapMs = Math.max(...[kept, deleted].map((id) => longestGap(run.collections(id).filter((c) => c.atMs >= killedAt - 2 * intervalMs && c.atMs <= deletedAt))));
      // Every fire of the two remaining workers was collected once or reported not run, on replica
      // B's cluster observer: while replica A's reserved fire waits out its lease it counts as the
      // schedule's running job, so the fires in between are skipped (maxRunning 1) or coalesced.
      const notCollected = [kept, deleted].flatMap((id) => {
        const fires = run.collections(id).map((c) => c.fireAtMs).sort((x, y) => x - y);
        const reported = new Set(
          run.lines
            .filter((l) => l.from === 'replica-b' && (l['what'] === 'schedule.skipped' || l['what'] === 'schedule.missed') && l['scheduleId'] === `worker-metrics:${id}`)
            .flatMap((l) => l['fireAtMs'] as number[]),
        );
        return fires.slice(1).flatMap((fire, i) =>
          Array.from({ length: Math.round((fire - fires[i]!) / intervalMs) - 1 }, (_, k) => ({ fireAtMs: fires[i]! + (k + 1) * intervalMs, reported: reported.has(fires[i]! + (k + 1) * intervalMs) })),
        );
      });
      console.info(
        `[worker-monitoring] ${rounds} rounds × ${workers.length} workers before the termination (collected by ${[...collectedBy].sort().join(' and ')}); ` +
          `${all.length} collections in all, duplicates ${duplicates.length}, fires skipped or coalesced around the kill ${notCollected.length} (all reported); ` +
          `longest gap across SIGKILL of replica A: ${restartGapMs} ms (interval ${intervalMs} + lease ${leaseMs} ms); replica A back after ${restarted.receivedAt - killedAt} ms`,
      );
      expect(duplicates).toEqual([]);
      expect(all.every((c) => c.attempt === 1)).toBe(true);
      expect(rounds).toBeGreaterThanOrEqual(4);
      expect(beforeTermination).toBeLessThan(terminatedAt);
      expect(run.collections(terminated).filter((c) => c.fireAtMs > terminatedAt)).toEqual([]);
      expect(run.collections(deleted).filter((c) => c.fireAtMs > deletedAt)).toEqual([]);
      // A fire the killed replica had reserved starts once its lease has run out: interval + lease,
      // plus the collection's own time (a cloud call and a SQLite write, ~15 ms).
      expect(restartGapMs).toBeLessThanOrEqual(intervalMs + leaseMs + 250);
      expect(notCollected.filter((fire) => !fire.reported)).toEqual([]);
      // Only fires around the kill: from replica A's reservations (up to the 2 s look-ahead) to its lease running out.
      expect(notCollected.map((fire) => fire.fireAtMs - killedAt).filter((offsetMs) => offsetMs < -intervalMs || offsetMs > 2_000 + leaseMs)).toEqual([]);
      expect(run.collections(kept).filter((c) => c.atMs > killedAt).length).toBeGreaterThanOrEqual(4);

      // SIGTERM: both replicas stop cleanly, and main.ts exits 0.
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      for (const replica of ['replica-a', 'replica-b']) {
        expect(run.lines.findLast((l) => l.from === 'main' && l.event === 'exited' && l['name'] === replica)).toMatchObject({ code: 0, signal: null });
        expect(run.lines.findLast((l) => l.from === replica && l.event === 'stopped')).toMatchObject({ timedOut: [], failed: [] });
      }
      expect(run.find('main', 'exited', (l) => l['name'] === 'replica-a')).toMatchObject({ signal: 'SIGKILL' });
      expect(run.find('main', 'stopped')).toMatchObject({ clean: true });
      console.info(`[worker-monitoring] the whole run took ${Date.now() - startedAt} ms`);
    } catch (error) {
      // What the processes said, for a failure in CI.
      console.error(`main.ts output:\n${run.lines.map((l) => `${l.receivedAt - startedAt} ms [${l.from}] ${JSON.stringify(l)}`).join('\n')}\n${run.stderr}`);
      throw error;
    } finally {
      if (run.child.exitCode === null && run.child.signalCode === null) {
        run.child.kill('SIGTERM');
        await run.exited;
      }
      await deletePrefix(prefix);
    }
  });
});
