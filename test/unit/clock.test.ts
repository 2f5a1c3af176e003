import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sleep, systemClock } from '../../src/time/clock.ts';
import { VirtualClock } from '../../src/testing/virtual-clock.ts';

const t0 = Date.UTC(2026, 0, 1);

// The system clock is the one door to real time; Vitest's fake timers stand in for it here, so
// these tests never wait.
describe('systemClock', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('reads the wall clock', () => {
    vi.useFakeTimers({ now: t0 });
    expect(systemClock.now()).toBe(t0);
    vi.advanceTimersByTime(1500);
    expect(systemClock.now()).toBe(t0 + 1500);
  });

  it('calls a timer once, delayMs from now; a delay of 0 or less as soon as possible', () => {
    vi.useFakeTimers({ now: t0 });
    const calls: string[] = [];
    systemClock.setTimer(() => calls.push('1s'), 1000);
    systemClock.setTimer(() => calls.push('past'), -50);
    vi.advanceTimersByTime(0);
    expect(calls).toEqual(['past']);
    vi.advanceTimersByTime(999);
    expect(calls).toEqual(['past']);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual(['past', '1s']);
    vi.advanceTimersByTime(10_000);
    expect(calls).toEqual(['past', '1s']);
  });

  it('cancels a timer', () => {
    vi.useFakeTimers({ now: t0 });
    const callback = vi.fn();
    systemClock.setTimer(callback, 100).cancel();
    vi.advanceTimersByTime(1000);
    expect(callback).not.toHaveBeenCalled();
  });

  it('never keeps the process alive with a pending timer (unref)', () => {
    vi.useFakeTimers({ now: t0 });
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const handle = systemClock.setTimer(() => undefined, 60_000);
    const timer = setTimeoutSpy.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    handle.cancel();
  });
});

describe('sleep', () => {
  it('resolves after delayMs on the given clock, not before', async () => {
    const clock = new VirtualClock(t0);
    let woke = false;
    const done = sleep(clock, 1000).then(() => (woke = true));
    await clock.advance(999);
    expect(woke).toBe(false);
    await clock.advance(1);
    await done;
    expect(woke).toBe(true);
  });

  it('rejects with the reason at once when the signal is already aborted, and sets no timer', async () => {
    const clock = new VirtualClock(t0);
    const reason = new Error('stopping');
    await expect(sleep(clock, 1000, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects with the reason when the signal aborts first, and cancels its timer', async () => {
    const clock = new VirtualClock(t0);
    const controller = new AbortController();
    const reason = new Error('stopping');
    const slept = sleep(clock, 1000, controller.signal);
    expect(clock.pendingTimers).toBe(1);
    controller.abort(reason);
    await expect(slept).rejects.toBe(reason);
    expect(clock.pendingTimers).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('leaves no listener on the signal once it has resolved', async () => {
    const clock = new VirtualClock(t0);
    const controller = new AbortController();
    const slept = sleep(clock, 10, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    await clock.advance(10);
    await slept;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    controller.abort(new Error('late')); // nothing left to reject
  });
});
