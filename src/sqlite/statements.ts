import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { eventLogSql } from './event-log-statements.ts';
import { flowSql } from './flow-statements.ts';
import { gateSql } from './gate-statements.ts';
import { jobSql } from './job-statements.ts';
import { leadershipSql } from './leadership-statements.ts';
import { scheduleSql } from './schedule-statements.ts';

// Every fixed statement the store runs, prepared once per connection. Parameters are named
// (`:nowMs`), and each call passes exactly the names its statement uses (node:sqlite refuses
// unknown ones). INDEXED BY pins the partial indexes on paths where, without ANALYZE statistics,
// the planner would prefer a broader index. node:sqlite binds every JS number as REAL: SQL that
// writes a bound instant into JSON casts it to INTEGER first.

const sql = {
  begin: `BEGIN IMMEDIATE`,
  // A deferred transaction that only reads: one consistent snapshot for several SELECTs (WAL).
  beginRead: `BEGIN`,
  commit: `COMMIT`,
  rollback: `ROLLBACK`,
  ...scheduleSql,
  ...jobSql,
  ...flowSql,
  ...gateSql,
  ...leadershipSql,
  ...eventLogSql,
} as const;

export type Statements = { readonly [K in keyof typeof sql]: StatementSync };

export function prepareStatements(db: DatabaseSync): Statements {
  const prepared = {} as Record<keyof typeof sql, StatementSync>;
  for (const key of Object.keys(sql) as Array<keyof typeof sql>) prepared[key] = db.prepare(sql[key]);
  return prepared;
}
