import { describe, expect, it } from 'vitest';
import { SchedulerEventEmitter, toError } from '../../src/runtime/events.ts';

describe('SchedulerEventEmitter', () => {
  it('calls every listener of an event with its payload, in subscription order', () => {
    const events = new SchedulerEventEmitter();
    const calls: string[] = [];
    events.on('schedule.removed', ({ scheduleId }) => calls.push(`a:${scheduleId}`));
    events.on('schedule.removed', ({ scheduleId }) => calls.push(`b:${scheduleId}`));
    events.on('scheduler.started', () => calls.push('other event'));
    events.emit('schedule.removed', { scheduleId: 's1' });
    expect(calls).toEqual(['a:s1', 'b:s1']);
  });

  it('stops calling a listener once it unsubscribes, and keeps the others', () => {
    const events = new SchedulerEventEmitter();
    const calls: string[] = [];
    const off = events.on('schedule.removed', () => calls.push('a'));
    events.on('schedule.removed', () => calls.push('b'));
    off();
    events.emit('schedule.removed', { scheduleId: 's1' });
    expect(calls).toEqual(['b']);
  });

  it('does not call a listener added while the event is being emitted', () => {
    const events = new SchedulerEventEmitter();
    const calls: string[] = [];
    events.on('schedule.removed', () => {
      calls.push('first');
      events.on('schedule.removed', () => calls.push('late'));
    });
    events.emit('schedule.removed', { scheduleId: 's1' });
    expect(calls).toEqual(['first']);
  });

  it('reports a throwing listener as an error event and still calls the next listeners', () => {
    const events = new SchedulerEventEmitter();
    const errors: Array<{ message: string; during: string }> = [];
    const calls: string[] = [];
    events.on('error', ({ error, during }) => errors.push({ message: error.message, during }));
    events.on('job.enqueued', () => {
      throw new Error('listener bug');
    });
    events.on('job.enqueued', () => {
      throw 'not an Error';
    });
    events.on('job.enqueued', () => calls.push('after'));
    events.emit('job.enqueued', { job: {} as never });
    expect(errors).toEqual([
      { message: 'listener bug', during: 'listener of job.enqueued' },
      { message: 'not an Error', during: 'listener of job.enqueued' },
    ]);
    expect(calls).toEqual(['after']);
  });

  it('never recurses on a throwing error listener', () => {
    const events = new SchedulerEventEmitter();
    let calls = 0;
    events.on('error', () => {
      calls++;
      throw new Error('broken error listener');
    });
    expect(() => events.emit('error', { error: new Error('x'), during: 'test' })).not.toThrow();
    expect(calls).toBe(1);
  });

  it('emits an event nobody listens to without complaint', () => {
    expect(() => new SchedulerEventEmitter().emit('scheduler.stopped', { nodeId: 'n1' })).not.toThrow();
  });
});

describe('toError', () => {
  it('keeps an Error and wraps anything else', () => {
    const error = new TypeError('x');
    expect(toError(error)).toBe(error);
    expect(toError('text')).toEqual(new Error('text'));
    expect(toError(42).message).toBe('42');
  });
});
