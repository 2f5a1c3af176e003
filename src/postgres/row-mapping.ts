import type { JobRecord } from '../domain/job.ts';
import type { NodeRecord } from '../domain/node.ts';
import type { ScheduleRecord } from '../domain/schedule.ts';
import { sqlClaimOrder, sqlRowToJob, sqlWithParents, sqlRowToNode, sqlRowToSchedule, type SqlValueDecoder } from '../store/sql-rows.ts';

/**
 * A row as node-postgres returns it: bigint columns arrive as strings (int8 may exceed 2^53; ours
 * are epoch milliseconds and counters, which never do), jsonb already parsed, booleans as booleans.
 */
export type Row = Record<string, unknown>;

/** jsonb and booleans arrive decoded from node-postgres. */
const decode: SqlValueDecoder = {
  json: (value) => value,
  bool: (value) => value === true,
};

export const rowToSchedule = (row: Row): ScheduleRecord => sqlRowToSchedule(row, decode);
export const rowToJob = (row: Row): JobRecord => sqlWithParents(sqlRowToJob(row, decode), row, decode);
export const rowToNode = (row: Row): NodeRecord => sqlRowToNode(row, decode);
export const claimOrder = sqlClaimOrder;

