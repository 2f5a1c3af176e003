import type { SQLOutputValue } from 'node:sqlite';
import { parentFailurePolicies, type JobRecord, type ParentFailurePolicy } from '../domain/job.ts';
import { oneOfProblem, stringArrayProblem } from '../domain/record-shapes.ts';
import { FieldReader } from '../store/field-reader.ts';
import type { NodeRecord } from '../domain/node.ts';
import type { ScheduleRecord } from '../domain/schedule.ts';
import { sqlClaimOrder, sqlRowToJob, sqlRowToNode, sqlRowToSchedule, type SqlValueDecoder } from '../store/sql-rows.ts';

/** A row as node:sqlite returns it. */
export type Row = Record<string, SQLOutputValue>;

/** JSON columns are text, booleans 0/1. */
const decode: SqlValueDecoder = {
  json: (value) => JSON.parse(String(value)),
  bool: (value) => Number(value) !== 0,
};

export const rowToSchedule = (row: Row): ScheduleRecord => sqlRowToSchedule(row, decode);
export const rowToJob = (row: Row): JobRecord => withParents(sqlRowToJob(row, decode), row);
export const rowToNode = (row: Row): NodeRecord => sqlRowToNode(row, decode);
export const claimOrder = sqlClaimOrder;

/** The named parameters of the `upsertNode` statement. */
export function nodeParams(node: NodeRecord): Record<string, string | number> {
  return {
    id: node.id,
    hostname: node.hostname,
    pid: node.pid,
    roleSchedules: node.roles.schedules ? 1 : 0,
    roleJobs: node.roles.jobs ? 1 : 0,
    tasks: JSON.stringify(node.tasks),
    concurrency: node.concurrency,
    running: node.running,
    startedAtMs: node.startedAtMs,
    lastSeenAtMs: node.lastSeenAtMs,
    version: node.version,
    clusterEvents: JSON.stringify(node.clusterEvents),
  };
}

/**
 * A flow job's `parents` and `onParentFailure` (schema 7; NULL, and absent from the record, for a
 * job without parents). Damaged text is flagged `unreadable` like any other field, so the job is
 * quarantined rather than run; its resolution reads job_edges and never this text.
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
