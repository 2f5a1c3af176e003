import { expect, it } from 'vitest';
import { liveSchedulers, markSchedulerStarted, markSchedulerStopped } from '../../src/runtime/live-schedulers.ts';

it('lists the schedulers started and not yet stopped, once each', () => {
  const before = liveSchedulers();
  markSchedulerStarted('node-a');
  markSchedulerStarted('node-b');
  markSchedulerStarted('node-a');
  expect(liveSchedulers()).toEqual([...before, 'node-a', 'node-b']);
  markSchedulerStopped('node-a');
  expect(liveSchedulers()).toEqual([...before, 'node-b']);
  markSchedulerStopped('node-b');
  markSchedulerStopped('never-started');
  expect(liveSchedulers()).toEqual(before);
});
