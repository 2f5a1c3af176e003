import { describe, expect, test } from 'vitest';
import { planOverlap, type OverlapInput } from '../../src/domain/overlap-plan.ts';

const input = (patch: Partial<OverlapInput>): OverlapInput => ({
  overlap: 'skip',
  coalesce: 'all',
  skipped: [10, 20],
  active: [{ id: 'run-1', fireAtMs: 0 }],
  buffered: [],
  jobIdFor: (fireAtMs) => `fire-${fireAtMs}`,
  ...patch,
});

describe('planOverlap', () => {
  test('skip keeps every skipped fire skipped', () => {
    expect(planOverlap(input({}))).toEqual({ buffer: [], cancel: [], skipped: [10, 20] });
  });

  test('bufferOne buffers the newest fire (the oldest with coalesce earliest) unless one is buffered already', () => {
    expect(planOverlap(input({ overlap: 'bufferOne' }))).toEqual({ buffer: [{ fireAtMs: 20, jobId: 'fire-20', parents: ['run-1'] }], cancel: [], skipped: [10] });
    expect(planOverlap(input({ overlap: 'bufferOne', coalesce: 'earliest' })).buffer.map(({ fireAtMs }) => fireAtMs)).toEqual([10]);
    expect(planOverlap(input({ overlap: 'bufferOne', buffered: [{ id: 'b', fireAtMs: 5 }] }))).toEqual({ buffer: [], cancel: [], skipped: [10, 20] });
  });

  test('bufferAll chains every fire after the active jobs and the newest buffered one', () => {
    expect(planOverlap(input({ overlap: 'bufferAll', buffered: [{ id: 'b7', fireAtMs: 7 }, { id: 'b5', fireAtMs: 5 }] }))).toEqual({
      buffer: [
        { fireAtMs: 10, jobId: 'fire-10', parents: ['b7', 'run-1'] },
        { fireAtMs: 20, jobId: 'fire-20', parents: ['fire-10', 'run-1'] },
      ],
      cancel: [],
      skipped: [],
    });
  });

  test('cancelOther cancels the active and buffered jobs and buffers one fire after the active ones', () => {
    expect(planOverlap(input({ overlap: 'cancelOther', buffered: [{ id: 'b', fireAtMs: 5 }] }))).toEqual({
      buffer: [{ fireAtMs: 20, jobId: 'fire-20', parents: ['run-1'] }],
      cancel: ['run-1', 'b'],
      skipped: [10],
    });
  });

  test('nothing skipped: nothing to do', () => {
    expect(planOverlap(input({ overlap: 'cancelOther', skipped: [] }))).toEqual({ buffer: [], cancel: [], skipped: [] });
  });
});
