import type { BreakerRecord, WriteBreakerRequest } from '../store/gate-types.ts';
import type { BreakerPolicy } from './breaker-options.ts';

// The breaker's transitions as pure functions of what a node read from the store: every node
// applies them, and the store's compare-and-set on `version` makes exactly one node's write win.
//
//   closed ──(failure rate ≥ threshold over ≥ minimumCalls)──▶ open
//   open ──(openFor passed)──▶ half-open, probes held by the node that wrote it
//   half-open ──(all probes succeeded)──▶ closed      half-open ──(a probe failed)──▶ open
//   half-open ──(its node let probeUntil pass: gone, or no job to probe)──▶ half-open, another node
//
// A forced breaker (an operator's override) never moves on its own.

/** The automatic transition, if any, that `record` (read with the policy's window) calls for now. */
export function automaticWrite(policy: BreakerPolicy, record: BreakerRecord | null, nowMs: number, nodeId: string, probeHoldMs: number): WriteBreakerRequest | null {
  if (record === null || record.forced !== null) return null;
  const base = { task: record.task, expectedVersion: record.version, forced: null, changedAtMs: nowMs };
  switch (record.state) {
    case 'closed': {
      const calls = record.succeeded + record.failed;
      if (calls < policy.minimumCalls || record.failed / calls < policy.failureRate) return null;
      return opened(base, policy, nowMs);
    }
    case 'open':
      if (record.openUntilMs !== null && record.openUntilMs > nowMs) return null;
      return { ...base, state: 'half-open', openUntilMs: null, probeOwner: nodeId, probeUntilMs: nowMs + probeHoldMs, clearCalls: true };
    case 'half-open':
      if (record.probeUntilMs !== null && record.probeUntilMs > nowMs) return null;
      return { ...base, changedAtMs: record.changedAtMs, state: 'half-open', openUntilMs: null, probeOwner: nodeId, probeUntilMs: nowMs + probeHoldMs, clearCalls: false };
  }
}

/** A failed probe (or a failure while this node held the probes): open again for `openFor`. */
export function probeFailedWrite(policy: BreakerPolicy, record: BreakerRecord, nowMs: number): WriteBreakerRequest {
  return opened({ task: record.task, expectedVersion: record.version, forced: null, changedAtMs: nowMs }, policy, nowMs);
}

/** Every probe succeeded: closed, with a fresh window. */
export function probesSucceededWrite(record: BreakerRecord, nowMs: number): WriteBreakerRequest {
  return { task: record.task, expectedVersion: record.version, forced: null, changedAtMs: nowMs, state: 'closed', openUntilMs: null, probeOwner: null, probeUntilMs: null, clearCalls: true };
}

/** The first record of a task's breaker: closed. */
export function initialWrite(task: string, nowMs: number): WriteBreakerRequest {
  return { task, expectedVersion: 0, forced: null, changedAtMs: nowMs, state: 'closed', openUntilMs: null, probeOwner: null, probeUntilMs: null, clearCalls: false };
}

function opened(base: Pick<WriteBreakerRequest, 'task' | 'expectedVersion' | 'forced' | 'changedAtMs'>, policy: BreakerPolicy, nowMs: number): WriteBreakerRequest {
  return { ...base, state: 'open', openUntilMs: nowMs + policy.openForMs, probeOwner: null, probeUntilMs: null, clearCalls: true };
}

/** The record as it is after `write` applied to `before` (the store's answer is only a yes). */
export function afterWrite(before: BreakerRecord | null, write: WriteBreakerRequest): BreakerRecord {
  return {
    task: write.task,
    state: write.state,
    forced: write.forced,
    changedAtMs: write.changedAtMs,
    openUntilMs: write.openUntilMs,
    probeOwner: write.probeOwner,
    probeUntilMs: write.probeUntilMs,
    version: (before?.version ?? 0) + 1,
    succeeded: write.clearCalls ? 0 : (before?.succeeded ?? 0),
    failed: write.clearCalls ? 0 : (before?.failed ?? 0),
  };
}
