// Chaos on a PostgreSQL server of the test's own (initdb in a temporary directory, a free port):
// three node processes under random SIGKILLs and restarts, every node killed at once, backends
// terminated by application_name, and the server crash-stopped (`pg_ctl stop -m immediate`) and
// started again once. See docs/testing.md, "Chaos tests".
import pg from 'pg';
import { afterAll, describe, test } from 'vitest';
import { PostgresStore } from '../../src/postgres/index.ts';
import { requireOrSkip } from '../fixtures/free-port.ts';
import { PrivatePostgres, privatePostgresUnavailableReason } from '../fixtures/private-postgres.ts';
import { expectNoChaosDamage } from './chaos-assertions.ts';
import { runChaos } from './chaos-run.ts';
import { chooseSeed } from './fault-plan.ts';

const available = requireOrSkip('test/chaos/postgres.test.ts (a private PostgreSQL server)', privatePostgresUnavailableReason());
const schema = 'sundial_chaos';

let server: PrivatePostgres | null = null;
let admin: pg.Pool | null = null;
afterAll(async () => {
  await admin?.end();
  await server?.destroy();
});

describe.skipIf(!available)('chaos: PostgreSQL', () => {
  test('three nodes under SIGKILLs, backend kills and a server crash lose no fire and no acknowledged job', { timeout: 90_000 }, async () => {
    const seed = chooseSeed();
    const db = await PrivatePostgres.create();
    server = db;
    const pool = new pg.Pool({ connectionString: db.url, max: 1, application_name: 'sundial-chaos-admin' });
    pool.on('error', () => {}); // its connection dies with the server; the next query opens another
    admin = pool;
    const result = await runChaos({
      seed,
      backend: {
        name: 'postgres',
        workerFlags: ['--postgres', db.url, '--schema', schema],
        openStore: () => new PostgresStore({ connectionString: db.url, schema, poolConfig: { application_name: 'sundial-chaos-client' } }),
        async killConnections(name) {
          const { rows } = await pool.query<{ n: string }>(
            `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE application_name = $1`,
            [name],
          );
          return Number(rows[0]?.n ?? 0);
        },
        crashServer: () => db.crash(),
        restartServer: () => db.start(),
      },
    });
    expectNoChaosDamage(result, { server: true });
  });
});
