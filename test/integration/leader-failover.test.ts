// Leader election with real OS processes (test/fixtures/leader-node.ts) on SQLite, PostgreSQL and
// Redis: three contenders, SIGKILL the leader → another leads within the lease and the old term is
// refused; SIGSTOP the leader past its lease → another leads; SIGCONT → the old leader does not
// act (it finds its term over before doing anything, and the shared, term-fenced action log
// refuses it anyway). Real clock: these are real processes.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { openStoreFromUrl } from '../../src/cli/store-url.ts';
import { adminPool, dropSchema, pgUrl, randomSchema, requirePostgres } from '../fixtures/pg-env.ts';
import { deletePrefix, randomPrefix, redisUrl, requireRedis } from '../fixtures/redis-test-helpers.ts';

const script = fileURLToPath(new URL('../fixtures/leader-node.ts', import.meta.url));
const leaseMs = 2_000;
const pgAvailable = await requirePostgres('test/integration/leader-failover.test.ts');
const redisAvailable = await requireRedis();
const admin: pg.Pool | null = pgAvailable ? adminPool() : null;
afterAll(async () => {
  await admin?.end();
});

interface Line {
  event: 'ready' | 'elected' | 'deposed' | 'refused' | 'refrained' | 'stopped';
  node: string;
  at: number;
  term?: number;
  reason?: string;
}

interface Contender {
  node: string;
  child: ChildProcessWithoutNullStreams;
  lines: Line[];
  exited: Promise<void>;
}

let directory = '';
let contenders: Contender[] = [];

afterEach(async () => {
  for (const c of contenders) {
    if (c.child.exitCode === null && c.child.signalCode === null) {
      c.child.kill('SIGCONT');
      c.child.kill('SIGKILL');
    }
    await c.exited;
  }
  contenders = [];
  if (directory) rmSync(directory, { recursive: true, force: true });
});

function start(storeUrl: string, election: string, node: string, actionLog: string): Contender {
  const child = spawn(process.execPath, [script, '--store', storeUrl, '--name', election, '--node', node, '--lease', String(leaseMs), '--log', actionLog], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: Line[] = [];
  let buffer = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buffer.slice(0, newline)) as Line);
      buffer = buffer.slice(newline + 1);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const contender = { node, child, lines, exited };
  void exited.then(() => {
    if (stderr.trim() !== '' && !/ExperimentalWarning|SQLite is an experimental/.test(stderr)) console.error(`[${node}] ${stderr}`);
  });
  return contender;
}

async function until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function elected(): Array<Line & { term: number }> {
  return contenders.flatMap((c) => c.lines.filter((l): l is Line & { term: number } => l.event === 'elected'));
}

interface Action {
  id: number;
  term: number;
  node: string;
  at: number;
}

function actions(actionLog: string): Action[] {
  const db = new DatabaseSync(actionLog, { readOnly: true, timeout: 5_000 });
  try {
    return db.prepare('SELECT id, term, node, at FROM actions ORDER BY id').all() as unknown as Action[];
  } finally {
    db.close();
  }
}

interface StoreCase {
  name: string;
  available: boolean;
  url: () => string;
  cleanup: (url: string) => Promise<void>;
}

const cases: StoreCase[] = [
  { name: 'sqlite', available: true, url: () => `sqlite:${join(directory, 'store.db')}`, cleanup: async () => {} },
  {
    name: 'postgres',
    available: pgAvailable,
    url: () => `${pgUrl()}?schema=${randomSchema('sundial_leader')}`,
    cleanup: async (url) => dropSchema(admin!, new URL(url).searchParams.get('schema')!),
  },
  {
    name: 'redis',
    available: redisAvailable,
    url: () => `${redisUrl}?prefix=${randomPrefix('leader')}`,
    cleanup: async (url) => deletePrefix(new URL(url).searchParams.get('prefix')!),
  },
];

for (const storeCase of cases) {
  describe.runIf(storeCase.available)(`leader election across processes: ${storeCase.name}`, () => {
    async function contend(): Promise<{ url: string; actionLog: string }> {
      directory = mkdtempSync(join(tmpdir(), 'sundial-leader-'));
      const url = storeCase.url();
      // The schema or file exists before three processes race to create it.
      await (await openStoreFromUrl(url)).close();
      const actionLog = join(directory, 'actions.db');
      contenders = ['node-1', 'node-2', 'node-3'].map((node) => start(url, 'election', node, actionLog));
      await until('all ready', () => contenders.every((c) => c.lines.some((l) => l.event === 'ready')));
      return { url, actionLog };
    }

    test('SIGKILL the leader: another leads within the lease, under a higher term; the old term is refused', async () => {
      const { url, actionLog } = await contend();
      try {
        const first = await until('a leader', () => elected()[0]);
        expect(elected()).toHaveLength(1);
        await until('the leader acting', () => actions(actionLog).length >= 5);
        const leader = contenders.find((c) => c.node === first.node)!;
        const killedAt = Date.now();
        leader.child.kill('SIGKILL');
        await leader.exited;
        const second = await until('a new leader', () => elected().find((l) => l.term > first.term));
        const acting = await until('the new leader acting', () => actions(actionLog).find((a) => a.term === second.term));
        const failoverMs = acting.at - killedAt;
        console.info(`[${storeCase.name}] failover: kill → new leader acting in ${failoverMs} ms (lease ${leaseMs} ms)`);
        expect(second.node).not.toBe(first.node);
        expect(failoverMs).toBeLessThanOrEqual(leaseMs + 1_000);
        // The store refuses the dead leader's term; so does the fenced log.
        const store = await openStoreFromUrl(url);
        try {
          expect(await store.renewLeadership({ name: 'election', nodeId: first.node, term: first.term, nowMs: Date.now(), leaseMs })).toBe(null);
          expect((await store.getLeader('election'))?.holder).toBe(second.node);
        } finally {
          await store.close();
        }
        const db = new DatabaseSync(actionLog, { timeout: 5_000 });
        const stale = db.prepare('INSERT INTO actions (term, node, at) SELECT ?, ?, ? WHERE ? >= (SELECT coalesce(max(term), 0) FROM actions)').run(first.term, first.node, Date.now(), first.term);
        db.close();
        expect(stale.changes).toBe(0);
        // Terms in the log never go down: no two leaders acted at once.
        const terms = actions(actionLog).map((a) => a.term);
        expect(terms).toEqual([...terms].sort((a, b) => a - b));
      } finally {
        await storeCase.cleanup(url);
      }
    });

    test('SIGSTOP the leader past its lease, SIGCONT: it never acts again under its old term', async () => {
      const { url, actionLog } = await contend();
      try {
        const first = await until('a leader', () => elected()[0]);
        await until('the leader acting', () => actions(actionLog).length >= 5);
        const leader = contenders.find((c) => c.node === first.node)!;
        leader.child.kill('SIGSTOP');
        const stoppedAt = Date.now();
        const second = await until('a new leader', () => elected().find((l) => l.term > first.term));
        await until('the new leader acting', () => actions(actionLog).some((a) => a.term === second.term));
        await new Promise((resolve) => setTimeout(resolve, 300));
        leader.child.kill('SIGCONT');
        const deposed = await until('the old leader deposed', () => leader.lines.find((l) => l.event === 'deposed' && l.term === first.term));
        await new Promise((resolve) => setTimeout(resolve, 500));
        const log = actions(actionLog);
        const firstOfNewTerm = log.find((a) => a.term === second.term)!;
        // Nothing of the old term after the new term began — not even refused attempts.
        expect(log.filter((a) => a.term === first.term && a.id > firstOfNewTerm.id)).toEqual([]);
        expect(leader.lines.filter((l) => l.event === 'refused')).toEqual([]);
        // Its last action was before it was stopped; on resume it found its term over at once.
        const lastOld = log.filter((a) => a.term === first.term).at(-1)!;
        expect(lastOld.at).toBeLessThanOrEqual(stoppedAt + 50);
        expect(['renew-deadline', 'lost']).toContain(deposed.reason);
        const terms = log.map((a) => a.term);
        expect(terms).toEqual([...terms].sort((a, b) => a - b));
      } finally {
        await storeCase.cleanup(url);
      }
    });

    test('SIGTERM the leader: it releases, and another leads at its next read, well before the lease', async () => {
      const { url } = await contend();
      try {
        const first = await until('a leader', () => elected()[0]);
        const leader = contenders.find((c) => c.node === first.node)!;
        const stoppedAt = Date.now();
        leader.child.kill('SIGTERM');
        await until('it stopped', () => leader.lines.some((l) => l.event === 'stopped'));
        const second = await until('a new leader', () => elected().find((l) => l.term > first.term));
        expect(second.at - stoppedAt).toBeLessThan(leaseMs);
        expect(leader.lines.find((l) => l.event === 'deposed')?.reason).toBe('stopped');
      } finally {
        await storeCase.cleanup(url);
      }
    });
  });
}
