import { expect } from 'vitest';
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
  const problems = counts.problems.join('\n');
  expect.soft(result.settled, `the cluster did not settle:\n${problems}`).toBe(true);
  expect.soft(counts.fires.lost, `lost fires:\n${problems}`).toBe(0);
  expect.soft(counts.fires.overCounted, `fires counted twice:\n${problems}`).toBe(0);
  expect.soft(counts.fires.lagging, `schedules left behind:\n${problems}`).toBe(0);
  expect.soft(counts.scheduleDefects, `schedule defects:\n${problems}`).toBe(0);
  expect.soft(counts.duplicates.jobsPerFire, `duplicate jobs per fire:\n${problems}`).toBe(0);
  expect.soft(counts.duplicates.runsAfterSuccess, `runs after an acknowledged success:\n${problems}`).toBe(0);
  expect.soft(counts.duplicates.phantomSuccesses, `successes without a handler run:\n${problems}`).toBe(0);
  expect.soft(counts.acknowledged.lost, `acknowledged jobs lost:\n${problems}`).toBe(0);
  expect.soft(counts.acknowledged.notDone, `acknowledged jobs not done:\n${problems}`).toBe(0);
  expect.soft(counts.scheduleJobsNotDone, `schedule jobs not done:\n${problems}`).toBe(0);
  expect.soft(counts.stuck, `stuck leases:\n${problems}`).toBe(0);
  expect.soft(result.unexpectedExits.map((exit) => `${exit.nodeId} ${exit.code ?? exit.signal}: ${exit.output}`), 'nodes that died by themselves').toEqual([]);
  expect.soft(result.gracefulExitCodes.filter((exit) => exit.code !== 0), 'nodes that did not stop cleanly on SIGTERM').toEqual([]);

  // The run did what it says: load, and every kind of fault.
  expect(counts.fires.jobs).toBeGreaterThan(500);
  expect(counts.acknowledged.total).toBeGreaterThan(50);
  expect(result.faultsDone.kill).toBeGreaterThan(0);
  expect(result.faultsDone['kill-all']).toBe(1);
  if (options.server) {
    expect(result.faultsDone['crash-server']).toBe(1);
    expect(result.connectionsKilled).toBeGreaterThan(0);
  }
}
