import { describe, expect, test } from 'vitest';
import { resolveBreakerPolicy } from '../../../src/breaker/breaker-options.ts';
import { afterWrite, automaticWrite, initialWrite, probeFailedWrite, probesSucceededWrite } from '../../../src/breaker/breaker-rules.ts';
import { forceWrite } from '../../../src/breaker/force.ts';
import type { BreakerRecord } from '../../../src/store/gate-types.ts';

const policy = resolveBreakerPolicy({ failureRate: 0.5, minimumCalls: 4, window: '10s', openFor: '5s', halfOpenProbes: 2 }, 't')!;
const closed = (succeeded: number, failed: number): BreakerRecord => ({ ...afterWrite(null, initialWrite('t', 0)), succeeded, failed });

describe('breaker rules', () => {
  test('the policy fills the defaults and slices the window into ten buckets', () => {
    expect(resolveBreakerPolicy({}, 't')).toEqual({ failureRate: 0.5, minimumCalls: 10, windowMs: 60_000, bucketMs: 6_000, openForMs: 30_000, halfOpenProbes: 1 });
    expect(resolveBreakerPolicy(undefined, 't')).toBeNull();
  });

  test('closed opens exactly at the threshold, with minimumCalls', () => {
    expect(automaticWrite(policy, closed(3, 2), 100, 'n', 1000)).toBeNull(); // 2/5 < 0.5
    expect(automaticWrite(policy, closed(0, 3), 100, 'n', 1000)).toBeNull(); // 3 < minimumCalls
    const write = automaticWrite(policy, closed(2, 2), 100, 'n', 1000);
    expect(write).toMatchObject({ state: 'open', openUntilMs: 5_100, clearCalls: true, expectedVersion: 1 });
  });

  test('open turns half-open only once openFor passed, held by the writing node', () => {
    const open = afterWrite(closed(0, 4), probeFailedWrite(policy, closed(0, 4), 0));
    expect(automaticWrite(policy, open, 4_999, 'n', 1000)).toBeNull();
    expect(automaticWrite(policy, open, 5_000, 'n', 1000)).toMatchObject({ state: 'half-open', probeOwner: 'n', probeUntilMs: 6_000 });
  });

  test('another node takes the probes over only after their hold', () => {
    const open = afterWrite(closed(0, 4), probeFailedWrite(policy, closed(0, 4), 0));
    const half = afterWrite(open, automaticWrite(policy, open, 5_000, 'a', 1000)!);
    expect(automaticWrite(policy, half, 5_999, 'b', 1000)).toBeNull();
    expect(automaticWrite(policy, half, 6_000, 'b', 1000)).toMatchObject({ state: 'half-open', probeOwner: 'b' });
  });

  test('probes close it with a fresh window, or open it again', () => {
    const half: BreakerRecord = { ...closed(0, 0), state: 'half-open', probeOwner: 'a', probeUntilMs: 10 };
    expect(probesSucceededWrite(half, 7)).toMatchObject({ state: 'closed', clearCalls: true });
    expect(probeFailedWrite(policy, half, 7)).toMatchObject({ state: 'open', openUntilMs: 5_007 });
  });

  test('a forced breaker never moves on its own', () => {
    expect(automaticWrite(policy, { ...closed(0, 10), forced: 'closed' }, 0, 'n', 1)).toBeNull();
    expect(forceWrite('t', closed(0, 0), 'open', 9)).toMatchObject({ state: 'open', forced: 'open', openUntilMs: null, expectedVersion: 1 });
    expect(forceWrite('t', null, null, 9)).toMatchObject({ state: 'closed', forced: null, expectedVersion: 0, clearCalls: true });
  });
});
