import type { SQLOutputValue } from 'node:sqlite';
import type { JobRecord } from '../domain/job.ts';
import type { NodeRecord } from '../domain/node.ts';
import type { ScheduleRecord } from '../domain/schedule.ts';
import { sqlClaimOrder, sqlRowToJob, sqlWithParents, sqlRowToNode, sqlRowToSchedule, type SqlValueDecoder } from '../store/sql-rows.ts';

/** A row as node:sqlite returns it. */
export type Row = Record<string, SQLOutputValue>;

/** JSON columns are text, booleans 0/1. */
const decode: SqlValueDecoder = {
  json: (value) => JSON.parse(String(value)),
  bool: (value) => Number(value) !== 0,
};

export const rowToSchedule = (row: Row): ScheduleRecord => sqlRowToSchedule(row, decode);
export const rowToJob = (row: Row): JobRecord => sqlWithParents(sqlRowToJob(row, decode), row, decode);
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

