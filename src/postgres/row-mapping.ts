import { parentFailurePolicies, type JobRecord, type ParentFailurePolicy } from '../domain/job.ts';
import type { NodeRecord } from '../domain/node.ts';
import { oneOfProblem, stringArrayProblem } from '../domain/record-shapes.ts';
import type { ScheduleRecord } from '../domain/schedule.ts';
import { FieldReader } from '../store/field-reader.ts';
import { sqlClaimOrder, sqlRowToJob, sqlRowToNode, sqlRowToSchedule, type SqlValueDecoder } from '../store/sql-rows.ts';

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
export const rowToJob = (row: Row): JobRecord => withParents(sqlRowToJob(row, decode), row);
export const rowToNode = (row: Row): NodeRecord => sqlRowToNode(row, decode);
export const claimOrder = sqlClaimOrder;

/**
 * A flow job's `parents` and `onParentFailure` (schema 10; NULL, and absent from the record, for
 * a job without parents). A damaged value is flagged `unreadable` like any other field, so the
 * job is quarantined rather than run; the store resolves children through job_edges, never
 * through this value.
 */
function withParents(job: JobRecord, row: Row): JobRecord {
  if (row.parents === null || row.parents === undefined) return job;
  const f = new FieldReader();
  const parents = f.json<string[]>('parents', row.parents, decode.json, { absent: [], fallback: [], problem: stringArrayProblem });
  const onParentFailure = f.text<ParentFailurePolicy>('onParentFailure', row.on_parent_failure, oneOfProblem(parentFailurePolicies), 'fail');
  const { unreadable, ...fields } = job;
  const all = [...(unreadable ?? []), ...f.unreadable];
  return { ...fields, parents, onParentFailure, ...(all.length > 0 ? { unreadable: all } : {}) };
}
