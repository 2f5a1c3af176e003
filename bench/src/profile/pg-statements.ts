// Server time of the PostgreSQL hot-path statements: fills a fresh schema with queued jobs (not
// analysed, as in a real burst), then claims and completes them in batches under EXPLAIN ANALYZE
// and prints the median execution time per batch. The plans are printed with --plans.
//
//   node bench/src/profile/pg-statements.ts --batch 100 --queued 20000 --rounds 40 [--plans]
import { parseArgs } from 'node:util';
import pg from 'pg';
import { PostgresStore } from '../../../src/postgres/index.ts';
import { completionParams } from '../../../src/postgres/batch-params.ts';
import { jobStatements } from '../../../src/postgres/job-statements.ts';
import { pgConnection } from '../lib/common.ts';
import { enqueueNoopJobs } from '../lib/sundial-helpers.ts';

const { values } = parseArgs({ options: { batch: { type: 'string', default: '100' }, queued: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '40' }, plans: { type: 'boolean', default: false } } });
const batch = Number(values.batch);
const rounds = Number(values.rounds);
const schema = `profile_pg_${process.pid}`;
const store = new PostgresStore({ poolConfig: pgConnection, schema });
await store.open();
const client = new pg.Client(pgConnection);
await client.connect();
try {
  await enqueueNoopJobs(store, Number(values.queued));
  const statements = jobStatements(`"${schema}"`);
  const explain = async (text: string, params: unknown[]) => (await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, params)).rows.map((row) => String(row['QUERY PLAN']));
  const executionMs = (plan: string[]) => Number(/Execution Time: ([\d.]+)/.exec(plan.at(-1) ?? '')?.[1]);
  const claims: number[] = [];
  const completions: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const claimPlan = await explain(statements.claim, ['profile-node', Date.now(), 60_000, batch, ['noop'], 0, 0]);
    // EXPLAIN ANALYZE ran the claim: read back what it claimed, and complete exactly that.
    const running = (await client.query(`SELECT id, fencing_token FROM "${schema}".jobs WHERE status = 'running' ORDER BY id`)).rows;
    const requests = running.map((row) => ({ jobId: String(row.id), fencingToken: Number(row.fencing_token), nowMs: Date.now(), completion: { status: 'succeeded' as const, result: null } }));
    const completePlan = await explain(statements.complete, [completionParams(requests), requests.map((request) => request.jobId), 'profile']);
    claims.push(executionMs(claimPlan));
    completions.push(executionMs(completePlan));
    if (values.plans && round === rounds - 1) console.log(`-- claim\n${claimPlan.join('\n')}\n-- complete\n${completePlan.join('\n')}`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  console.log(JSON.stringify({ batch, queued: Number(values.queued), rounds, medianMs: { claim: median(claims), complete: median(completions) }, perJobUs: { claim: Math.round((median(claims) * 1000) / batch), complete: Math.round((median(completions) * 1000) / batch) } }));
} finally {
  await store.close();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}
