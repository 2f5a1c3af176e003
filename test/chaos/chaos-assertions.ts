import { expect } from 'vitest';
import type { ProblemKind } from './chaos-accounting.ts';
import type { ChaosResult } from './chaos-run.ts';

/**
 * What every store must show after a chaos run: no fire lost or counted twice, no schedule left
 * behind, no duplicate job or run after an acknowledged success, every acknowledged job done, no
 * lease stuck on a gone node, and every node alive until told to stop, then stopping cleanly.
 * At-least-once re-runs (a handler that ended but whose outcome a SIGKILL kept from the store)
 * are expected and only reported. The faults must really have happened.
 */
export function expectNoChaosDamage(result: ChaosResult, options: { server: boolean }): void {
  const { counts } = result;
  const why = (kind: ProblemKind) => counts.problems[kind] ?? '';
  expect.soft(result.settled, `the cluster did not settle: ${Object.values(counts.problems).join('\n')}`).toBe(true);
  expect.soft(counts.fires.lost, why('lost fires')).toBe(0);
  expect.soft(counts.fires.overCounted, why('over-counted fires')).toBe(0);
  expect.soft(counts.fires.lagging, why('lagging schedules')).toBe(0);
  expect.soft(counts.scheduleDefects, why('schedule defects')).toBe(0);
  expect.soft(counts.duplicates.jobsPerFire, why('jobs per fire > 1')).toBe(0);
  expect.soft(counts.duplicates.runsAfterSuccess, why('runs after an acknowledged success')).toBe(0);
  expect.soft(counts.duplicates.phantomSuccesses, why('phantom successes')).toBe(0);
  expect.soft(counts.acknowledged.lost, why('acknowledged jobs lost')).toBe(0);
  expect.soft(counts.acknowledged.notDone, why('acknowledged jobs not done')).toBe(0);
  expect.soft(counts.scheduleJobsNotDone, why('schedule jobs not done')).toBe(0);
  expect.soft(counts.stuck, why('stuck leases')).toBe(0);
  expect.soft(result.unexpectedExits.map((exit) => `${exit.nodeId} ${exit.code ?? exit.signal}: ${exit.output}`), 'nodes that died by themselves').toEqual([]);
  expect.soft(result.gracefulExitCodes.filter((exit) => exit.code !== 0), 'nodes that did not stop cleanly on SIGTERM').toEqual([]);

  // The run did what it says: load, and every kind of fault.
  expect(counts.fires.jobs).toBeGreaterThan(500);
  expect(counts.acknowledged.total).toBeGreaterThan(50);
  expect(result.faultsDone.kill).toBeGreaterThan(0);
  // SIGKILLs landed mid-handler: the takeover of their jobs was exercised (see the slow jobs).
  expect(counts.reruns.interruptedAttempts).toBeGreaterThan(0);
  expect(result.faultsDone['kill-all']).toBe(1);
  if (options.server) {
    expect(result.faultsDone['crash-server']).toBe(1);
    expect(result.connectionsKilled).toBeGreaterThan(0);
  }
}
