// The floor under a PostgreSQL round trip of the command benchmark: how long one durable commit
// and one plain read take on this machine and server right now (1,000 sequential each, one
// connection). A command's round trip has four commits in series (enqueue, claim, completion,
// event append).
//
//   node bench/src/controllers/pg-commit-probe.ts
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { pgConnection, uniqueName } from '../lib/common.ts';

const client = new pg.Client(pgConnection);
await client.connect();
const table = uniqueName('commit_probe');
await client.query(`CREATE TABLE "${table}" (id serial PRIMARY KEY, v int)`);
const settings: Record<string, string | undefined> = {};
for (const name of ['synchronous_commit', 'fsync', 'wal_sync_method']) settings[name] = (await client.query<Record<string, string>>(`SHOW ${name}`)).rows[0]?.[name];

async function probe(label: string, sql: string, withParam: boolean): Promise<void> {
  const ms: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const started = performance.now();
    await client.query(sql, withParam ? [i] : []);
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  const at = (p: number) => ms[Math.ceil((p / 100) * ms.length) - 1]!.toFixed(2);
  console.log(`${label}: p50 ${at(50)} p90 ${at(90)} p99 ${at(99)} max ${ms.at(-1)!.toFixed(2)} ms`);
}

try {
  console.log(`load average ${loadavg()[0]!.toFixed(2)}; ${JSON.stringify(settings)}`);
  await probe('SELECT 1                 ', 'SELECT 1', false);
  await probe('INSERT, one commit each  ', `INSERT INTO "${table}" (v) VALUES ($1)`, true);
} finally {
  await client.query(`DROP TABLE "${table}"`);
  await client.end();
}
