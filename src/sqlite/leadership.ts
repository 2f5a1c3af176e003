import type { AcquireLeadershipRequest, LeaderRecord, ReleaseLeadershipRequest, RenewLeadershipRequest } from '../store/store.ts';
import { sqlRowToLeader as rowToLeader } from '../store/sql-rows.ts';
import type { Row } from './row-mapping.ts';
import type { Statements } from './statements.ts';

/** Store.acquireLeadership inside the caller's transaction: the record after the attempt, won or not. */
export function acquireLeadership(s: Statements, request: AcquireLeadershipRequest): LeaderRecord {
  const { name, nodeId, nowMs, leaseMs, observedVersion } = request;
  const won = s.acquireLeadership.get({ name, nodeId, nowMs, leaseMs, observedVersion }) as Row | undefined;
  // Refused: the row exists (the insert conflicted), and the write lock keeps it as it was.
  return rowToLeader(won ?? (s.getLeader.get(name) as Row));
}

/** Store.renewLeadership inside the caller's transaction. */
export function renewLeadership(s: Statements, request: RenewLeadershipRequest): LeaderRecord | null {
  const { name, nodeId, term, nowMs, leaseMs } = request;
  const row = s.renewLeadership.get({ name, nodeId, term, nowMs, leaseMs }) as Row | undefined;
  return row ? rowToLeader(row) : null;
}

/** Store.releaseLeadership inside the caller's transaction. */
export function releaseLeadership(s: Statements, request: ReleaseLeadershipRequest): boolean {
  const { name, nodeId, term } = request;
  return Number(s.releaseLeadership.run({ name, nodeId, term }).changes) === 1;
}

export function getLeader(s: Statements, name: string): LeaderRecord | null {
  const row = s.getLeader.get(name) as Row | undefined;
  return row ? rowToLeader(row) : null;
}

export function listLeaders(s: Statements): LeaderRecord[] {
  return (s.listLeaders.all() as Row[]).map(rowToLeader);
}
