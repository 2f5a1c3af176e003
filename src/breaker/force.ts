import type { BreakerForce, BreakerRecord, WriteBreakerRequest } from '../store/gate-types.ts';

/**
 * An operator's override as a breaker write: `open` holds the breaker open (no job of the task
 * starts on any node) until released; `closed` holds it closed whatever fails; null hands it back
 * to the automatic rules, closed with a fresh window. The write compares the version read, so a
 * caller retries when a node changed the breaker in between (see `forceBreaker` in ./breakers.ts).
 */
export function forceWrite(task: string, current: BreakerRecord | null, force: BreakerForce, nowMs: number): WriteBreakerRequest {
  const state = force === 'open' ? 'open' : 'closed';
  const changed = current === null || current.state !== state;
  return {
    task,
    expectedVersion: current?.version ?? 0,
    state,
    forced: force,
    changedAtMs: changed ? nowMs : current.changedAtMs,
    openUntilMs: null,
    probeOwner: null,
    probeUntilMs: null,
    clearCalls: changed || force === null,
  };
}
