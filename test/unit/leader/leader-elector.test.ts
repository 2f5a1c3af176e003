import { afterEach, describe, expect, test } from 'vitest';
import { LeaderElector } from '../../../src/controllers/leader-elector.ts';
import { leaderOnly } from '../../../src/controllers/leader-only.ts';
import type { HostedService } from '../../../src/controllers/hosted-service.ts';
import { InvalidArgumentError, NotLeaderError } from '../../../src/index.ts';
import type { Store } from '../../../src/index.ts';
import { MemoryStore } from '../../../src/memory/index.ts';
import { VirtualClock } from '../../../src/testing/virtual-clock.ts';

const t0 = Date.UTC(2026, 0, 1);

/**
 * A virtual clock whose monotonic reading can jump ahead without firing timers: a process that
 * was paused (SIGSTOP) sees time gone by before any of its timer callbacks run.
 */
class PausableClock extends VirtualClock {
  skewMs = 0;
  monotonicNow(): number {
    return this.now() + this.skewMs;
  }
}

/** A store whose leadership calls from one node can be cut off (a partition), failing or hanging. */
function partitionable(store: Store): Store & { cut: 'no' | 'fail' | 'hang' } {
  const state = { cut: 'no' as 'no' | 'fail' | 'hang' };
  return new Proxy(store, {
    get(target, key) {
      if (key === 'cut') return state.cut;
      const value = Reflect.get(target, key) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (state.cut === 'fail') return Promise.reject(new Error('network unreachable'));
        if (state.cut === 'hang') return new Promise(() => {});
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
    set(_target, key, value) {
      if (key !== 'cut') return false;
      state.cut = value as 'no' | 'fail' | 'hang';
      return true;
    },
  }) as Store & { cut: 'no' | 'fail' | 'hang' };
}

let electors: LeaderElector[] = [];
afterEach(async () => {
  for (const elector of electors) await elector.stop();
  electors = [];
});

function elector(store: Store, nodeId: string, clock: VirtualClock, lease = '5s'): LeaderElector {
  const created = new LeaderElector({ store, name: 'controller', nodeId, lease, clock });
  electors.push(created);
  return created;
}

function record(target: LeaderElector, clock: VirtualClock) {
  const log: string[] = [];
  target.on('leader.elected', ({ term }) => log.push(`${clock.now() - t0}ms elected ${term}`));
  target.on('leader.deposed', ({ term, reason }) => log.push(`${clock.now() - t0}ms deposed ${term} ${reason}`));
  target.on('leader.changed', ({ leader, term }) => log.push(`${clock.now() - t0}ms changed ${leader} ${term}`));
  return log;
}

describe('LeaderElector', () => {
  test('the first node leads under term 1; the defaults derive from the lease', async () => {
    const clock = new VirtualClock(t0);
    const a = elector(new MemoryStore(), 'a', clock);
    const log = record(a, clock);
    await a.start();
    expect(a.leading).toBe(true);
    expect(a.term?.term).toBe(1);
    expect(a.leader).toBe('a');
    expect(log).toEqual(['0ms changed a 1', '0ms elected 1']);
    expect([a.leaseMs, a.renewEveryMs, a.renewDeadlineMs, a.retryEveryMs]).toEqual([5000, 1000, 3333, 1000]);
  });

  test('a leader that renews keeps leading; the follower never takes over', async () => {
    const clock = new VirtualClock(t0);
    const store = new MemoryStore();
    const a = elector(store, 'a', clock);
    const b = elector(store, 'b', clock);
    await a.start();
    await b.start();
    await clock.advance('1m');
    expect(a.leading).toBe(true);
    expect(b.leading).toBe(false);
    expect(b.leader).toBe('a');
    expect((await store.getLeader('controller'))?.term).toBe(1);
  });

  test('a graceful stop releases at once: the follower leads at its next read, under term 2', async () => {
    const clock = new VirtualClock(t0);
    const store = new MemoryStore();
    const a = elector(store, 'a', clock);
    const b = elector(store, 'b', clock);
    const log = record(b, clock);
    await a.start();
    await b.start();
    const term = a.term!;
    await clock.advance('10s');
    await a.stop();
    expect(term.signal.aborted).toBe(true);
    expect(term.valid).toBe(false);
    await clock.advance('1s');
    expect(b.term?.term).toBe(2);
    expect(log).toEqual(['0ms changed a 1', '11000ms changed b 2', '11000ms elected 2']);
  });

  test('a partitioned leader steps down at its renew deadline, before the follower can take over a lease later', async () => {
    const clock = new VirtualClock(t0);
    const store = new MemoryStore();
    const cutOff = partitionable(store);
    const a = elector(cutOff, 'a', clock);
    const b = elector(store, 'b', clock);
    const logA = record(a, clock);
    const logB = record(b, clock);
    await a.start();
    await b.start();
    const term = a.term!;
    let abortedAtMs: number | null = null;
    term.signal.addEventListener('abort', () => (abortedAtMs = clock.now() - t0));
    await clock.advance('2500ms'); // renewals at 1 s and 2 s went through
    cutOff.cut = 'fail';
    await clock.advance('20s');
    // Last good renewal sent at 2000 ms: deposed at 2000 + 3333.
    expect(abortedAtMs).toBe(5333);
    expect(logA).toContain('5333ms deposed 1 renew-deadline');
    // b first saw version 3 (the 2 s renewal) at its 2 s read, and counts the lease from a
    // retry period before (1 s): it takes over at 6 s, 667 ms after a stopped acting.
    expect(logB).toContain('6000ms elected 2');
    expect(b.term?.term).toBe(2);
    cutOff.cut = 'no';
    await clock.advance('5s');
    expect(a.leading).toBe(false);
    expect(a.leader).toBe('b');
  });

  test("a paused leader knows on resume that its term is over, before any timer runs; its renewal is refused", async () => {
    const clock = new PausableClock(t0);
    const store = new MemoryStore();
    const a = elector(store, 'a', clock);
    const b = elector(store, 'b', clock);
    await a.start();
    await b.start();
    const term = a.term!;
    await clock.advance('1500ms');
    // SIGSTOP: a's monotonic clock runs on, its timers do not. (b goes on as normal.)
    clock.skewMs = 4_000;
    expect(a.leading).toBe(false);
    expect(term.valid).toBe(false);
    expect(() => term.assert()).toThrow(NotLeaderError);
    expect(a.term).toBe(null);
  });

  test("an old leader's renewal under its term is refused once another took over (fencing)", async () => {
    const clock = new VirtualClock(t0);
    const store = new MemoryStore();
    const cutOff = partitionable(store);
    const a = elector(cutOff, 'a', clock);
    const b = elector(store, 'b', clock);
    const logA = record(a, clock);
    await a.start();
    await b.start();
    // a's renewals hang (no answer, no error) long enough for b to take over.
    cutOff.cut = 'hang';
    await clock.advance('20s');
    expect(b.term?.term).toBe(2);
    expect(await store.renewLeadership({ name: 'controller', nodeId: 'a', term: 1, nowMs: clock.now(), leaseMs: 5000 })).toBe(null);
    expect(logA.filter((line) => line.includes('deposed'))).toEqual(['3333ms deposed 1 renew-deadline']);
    cutOff.cut = 'no';
  });

  test('an elector that restarts under the same node id does not trust the term the store still names it for', async () => {
    const clock = new VirtualClock(t0);
    const store = new MemoryStore();
    await store.acquireLeadership({ name: 'controller', nodeId: 'a', nowMs: clock.now(), leaseMs: 5000, observedVersion: null });
    const again = elector(store, 'a', clock);
    const log = record(again, clock);
    await again.start();
    expect(again.leading).toBe(false);
    await clock.advance('3900ms');
    expect(again.leading).toBe(false);
    await clock.advance('2s');
    expect(again.term?.term).toBe(2);
    // A lease from a retry period before its first read (at 0).
    expect(log).toEqual(['0ms changed a 1', '4000ms elected 2']);
  });

  test('leaderOnly runs a service only while leading, with the term signal, again after re-election', async () => {
    const clock = new VirtualClock(t0);
    const store = new MemoryStore();
    const cutOff = partitionable(store);
    const a = elector(cutOff, 'a', clock);
    const calls: string[] = [];
    let signal: AbortSignal | null = null;
    const service: HostedService = {
      name: 'discovery',
      async start(s) {
        signal = s;
        calls.push(`start ${clock.now() - t0}`);
      },
      async stop() {
        calls.push(`stop ${clock.now() - t0}`);
      },
    };
    const wrapped = leaderOnly(a, service);
    await a.start();
    await wrapped.start(new AbortController().signal);
    expect(calls).toEqual(['start 0']);
    cutOff.cut = 'fail';
    await clock.advance('4s');
    expect(calls).toEqual(['start 0', 'stop 3333']);
    expect(signal!.aborted).toBe(true);
    cutOff.cut = 'no';
    await clock.advance('10s');
    // Deposed with the store unreachable, it cannot know whether another took over: it waits a
    // lease from a retry period before its first read after the cut heals (4333 ms).
    expect(calls).toEqual(['start 0', 'stop 3333', 'start 8333']);
    expect(wrapped.health?.().live).toBe(true);
    await wrapped.stop();
    expect(calls.at(-1)).toBe(`stop ${clock.now() - t0}`);
  });

  test('options are checked at the boundary', () => {
    const store = new MemoryStore();
    expect(() => new LeaderElector({ store, name: '' })).toThrow(InvalidArgumentError);
    expect(() => new LeaderElector({ store, name: 'x', lease: '5s', renewDeadline: '5s' })).toThrow(/renewDeadline/);
    expect(() => new LeaderElector({ store, name: 'x', lease: '5s', renewDeadline: '3s', renewEvery: '3s' })).toThrow(/renewEvery/);
    expect(() => new LeaderElector({ store, name: 'x', lease: '5s', renewDeadline: '4s', retryEvery: '1s' })).toThrow(/retryEvery/);
  });
});

describe('leaderOnly when the service fails to start', () => {
  test('retries with backoff while the term lasts, reports it in health, and forgets it once deposed', async () => {
    const clock = new VirtualClock(t0);
    const store = new MemoryStore();
    const cutOff = partitionable(store);
    const a = elector(cutOff, 'a', clock);
    let attempts = 0;
    const starts: number[] = [];
    const service: HostedService = {
      name: 'discovery',
      async start() {
        attempts++;
        starts.push(clock.now() - t0);
        if (attempts < 3) throw new Error('cloud unreachable');
      },
      async stop() {},
    };
    const wrapped = leaderOnly(a, service, { clock, retryMs: 100 });
    await a.start();
    await wrapped.start(new AbortController().signal);
    expect(wrapped.health?.()).toEqual({ live: true, ready: false, detail: 'failed to start (1×, retrying): cloud unreachable' });
    await clock.advance('1s');
    expect(starts).toEqual([0, 100, 300]);
    expect(wrapped.health?.()).toEqual({ live: true, ready: true });
    cutOff.cut = 'fail';
    await clock.advance('4s');
    expect(a.leading).toBe(false);
    expect(wrapped.health?.()).toEqual({ live: true, ready: true, detail: 'standby (not the leader)' });
    cutOff.cut = 'no';
    await wrapped.stop();
  });
});
