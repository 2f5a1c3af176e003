// Found by the PostgreSQL chaos run: a node starting while its connection is cut (a database
// restart, a failover, pg_terminate_backend) must see `open()` reject — and retry — not die. Made
// deterministic here: the store's open() is held inside its migration (another session holds the
// migration lock), then its backend is terminated. The node runs in its own process, since the
// failure mode is the process dying of an unhandled 'error' event on a pg Client.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { requireOrSkip } from '../fixtures/free-port.ts';
import { PrivatePostgres, privatePostgresUnavailableReason } from '../fixtures/private-postgres.ts';

const available = requireOrSkip('test/chaos/postgres-open-cut.test.ts (a private PostgreSQL server)', privatePostgresUnavailableReason());
const storeIndex = fileURLToPath(new URL('../../src/postgres/index.ts', import.meta.url));

let server: PrivatePostgres | null = null;
afterAll(async () => {
  await server?.destroy();
});

describe.skipIf(!available)('PostgreSQL: a connection cut while the store opens', () => {
  test('open() rejects and the process lives on', { timeout: 60_000 }, async () => {
    const db = await PrivatePostgres.create();
    server = db;
    const holder = new pg.Client({ connectionString: db.url });
    const watcher = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await watcher.connect();
    try {
      // The migration lock of schema `cut` (src/postgres/migrations.ts), held in an open transaction.
      await holder.query('BEGIN');
      await holder.query(`SELECT pg_advisory_xact_lock(hashtext('sundial-migrate:' || 'cut')::bigint)`);
      const script = `
        const { PostgresStore } = await import(${JSON.stringify(storeIndex)});
        const store = new PostgresStore({ connectionString: ${JSON.stringify(db.url)}, schema: 'cut', poolConfig: { application_name: 'sundial-open-cut' } });
        const outcome = await store.open().then(() => 'opened', (error) => 'rejected: ' + error.message);
        console.log(outcome);
        await store.close().catch(() => {});
        setTimeout(() => console.log('alive'), 500);
      `;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

      // Wait until the store's backend waits for the lock, inside open(); then cut it.
      const deadline = Date.now() + 20_000;
      for (;;) {
        const { rows } = await watcher.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'sundial-open-cut' AND wait_event_type = 'Lock'`);
        if (rows.length > 0) break;
        if (Date.now() > deadline) throw new Error(`open() never waited for the migration lock:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await watcher.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sundial-open-cut'`);

      const code = await exited;
      expect(output).toMatch(/^rejected: /m);
      expect(output).toMatch(/^alive$/m);
      expect(code, output).toBe(0);
    } finally {
      await holder.end().catch(() => {});
      await watcher.end().catch(() => {});
    }
  });
});
