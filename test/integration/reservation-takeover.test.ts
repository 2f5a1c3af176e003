// A node that holds reservations (fires and delayed jobs it planned ahead, to start from its own
// timers) is SIGKILLed just before their instant. Another node must start each of them exactly
// once, at most one lease late, without counting an attempt. Real OS processes on each
// multi-process store, the real clock.
import { afterAll, describe, expect, test } from 'vitest';
import { at, type JobRecord } from '../../src/index.ts';
import { pollUntil } from '../fixtures/node-processes.ts';
import { sharedStoreRun, sharedStores } from '../fixtures/shared-stores.ts';

const { setups, end } = await sharedStores('test/integration/reservation-takeover.test.ts', 'resv');
afterAll(end);

const fires = 20;
const delayed = 20;

describe.each(setups)('reservations of a killed node on %s', (_name, available, makeSetup) => {
  const run = sharedStoreRun(makeSetup, 'resv');

  test.skipIf(!available)('are started once each by another node, at most one lease late, attempt 1', { timeout: 40_000 }, async () => {
    const holder = run.start('holder', 'tick');
    await holder.ready;

    const client = await run.openClient();
    // The instant is inside the holder's look-ahead (2 s) soon, but not before everything exists.
    const instantMs = Date.now() + 3_000;
    await client.scheduleMany(Array.from({ length: fires }, (_, n) => ({ id: `once-${n}`, task: 'tick', trigger: at(instantMs) })));
    await client.enqueueMany(Array.from({ length: delayed }, (_, n) => ({ task: 'tick', data: { n }, runAt: instantMs })));

    // The holder reserves all of them ahead of the instant.
    let held: JobRecord[] = [];
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      held = await client.listJobs({ status: 'reserved', limit: 100 });
      if (held.length === fires + delayed) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(held).toHaveLength(fires + delayed);
    expect(new Set(held.map((job) => job.leaseOwner))).toEqual(new Set(['holder']));
    expect(Date.now()).toBeLessThan(instantMs - 300);

    // Another node comes up: the reserved jobs are leased, so it cannot take them yet.
    const taker = run.start('taker', 'tick');
    await taker.ready;
    // Killed just before the instant, holding all of them.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, instantMs - 200 - Date.now())));
    holder.child.kill('SIGKILL');
    expect((await holder.exited).signal).toBe('SIGKILL');
    expect(holder.lines()).toEqual([]);

    const runs = await pollUntil('the other node to run every one', 15_000, () => {
      const lines = taker.lines();
      return lines.length >= fires + delayed ? lines : undefined;
    });
    // A little longer, so that a second run of any of them would show.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const all = taker.lines();
    expect(all).toHaveLength(fires + delayed);
    expect(new Set(all.map((line) => line.jobId)).size).toBe(fires + delayed);
    expect(new Set(all.filter((line) => line.scheduleId !== null).map((line) => line.scheduleId))).toEqual(
      new Set(Array.from({ length: fires }, (_, n) => `once-${n}`)),
    );
    const lateness = runs.map((line) => line.startedAt - instantMs);
    // Its lease (3 s) ran out at most 3 s after the holder's last renewal, before the instant;
    // then one poll (100 ms) and the reaper's round.
    expect(Math.min(...lateness)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...lateness)).toBeLessThan(3_000 + 1_000);
    console.info(`[reservation takeover, ${_name}] ${fires} fires + ${delayed} delayed jobs held by a killed node: started on the other node ${Math.min(...lateness)}–${Math.max(...lateness)} ms after their instant (lease 3 s)`);

    let jobs: JobRecord[] = [];
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      jobs = await client.listJobs({ limit: 100 });
      if (jobs.length === fires + delayed && jobs.every((job) => job.status === 'succeeded')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(jobs.map((job) => job.status)).toEqual(Array(fires + delayed).fill('succeeded'));
    // The reservation was handed back, not failed: one attempt, on the taker.
    expect(jobs.map((job) => [job.attempt, job.attempts.map((attempt) => [attempt.nodeId, attempt.outcome])])).toEqual(
      Array(fires + delayed).fill([1, [['taker', 'succeeded']]]),
    );
    expect(await client.listSchedules()).toEqual([]);
  });
});
