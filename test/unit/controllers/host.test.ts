import { afterEach, describe, expect, test } from 'vitest';
import { Host, HostStateError, type HostedService, type HostOptions, type ServiceHealth } from '../../../src/controllers/index.ts';
import { InvalidArgumentError } from '../../../src/errors.ts';
import { silentLogger } from '../../../src/runtime/logger.ts';
import { sleep } from '../../../src/time/clock.ts';
import { VirtualClock } from '../../../src/testing/virtual-clock.ts';

interface FakeOptions {
  startMs?: number;
  /** Infinity: stop() never resolves. */
  stopMs?: number;
  failStart?: Error;
  failStop?: Error;
  health?: () => ServiceHealth;
}

const hosts: Host[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.stop()));
});

/** A host on a virtual clock, and fake services that write what happens to them into `log`. */
function setup(options: Omit<HostOptions, 'clock'> = {}) {
  const clock = new VirtualClock(0);
  const log: string[] = [];
  const signals = new Map<string, AbortSignal>();
  const fake = (name: string, fakeOptions: FakeOptions = {}): HostedService => {
    let stopping: Promise<void> | null = null;
    return {
      name,
      async start(signal) {
        signals.set(name, signal);
        stopping = null;
        log.push(`start ${name}`);
        if (fakeOptions.startMs) await sleep(clock, fakeOptions.startMs);
        if (fakeOptions.failStart) throw fakeOptions.failStart;
      },
      stop() {
        stopping ??= (async () => {
          log.push(`stop ${name}`);
          if (fakeOptions.stopMs === Number.POSITIVE_INFINITY) await new Promise(() => {});
          if (fakeOptions.stopMs) await sleep(clock, fakeOptions.stopMs);
          if (fakeOptions.failStop) throw fakeOptions.failStop;
          log.push(`stopped ${name}`);
        })();
        return stopping;
      },
      ...(fakeOptions.health ? { health: fakeOptions.health } : {}),
    };
  };
  const host = new Host({ handleSignals: false, logger: silentLogger, ...options, clock });
  hosts.push(host);
  return { clock, log, signals, fake, host };
}

describe('Host', () => {
  test('starts services in order, each after the previous one started, and stops them in reverse order', async () => {
    const { host, fake, log, clock } = setup();
    host.add(fake('a'));
    host.add(fake('b', { startMs: 1000 }));
    host.add(fake('c'));
    const starting = host.start();
    await clock.advance(999);
    expect(log).toEqual(['start a', 'start b']);
    await clock.advance(1);
    await starting;
    expect(log).toEqual(['start a', 'start b', 'start c']);
    log.length = 0;
    expect(await host.stop()).toEqual({ stopped: ['c', 'b', 'a'], timedOut: [], failed: [] });
    expect(log).toEqual(['stop c', 'stopped c', 'stop b', 'stopped b', 'stop a', 'stopped a']);
  });

  test('start and stop are idempotent; a stopped host cannot start again', async () => {
    const { host, fake, log } = setup();
    host.add(fake('a'));
    await Promise.all([host.start(), host.start()]);
    await host.start();
    expect(log).toEqual(['start a']);
    const [first, second] = await Promise.all([host.stop(), host.stop()]);
    expect(first).toBe(second);
    expect(log).toEqual(['start a', 'stop a', 'stopped a']);
    await expect(host.start()).rejects.toBeInstanceOf(HostStateError);
    expect(() => host.add(fake('late'))).toThrow(HostStateError);
  });

  test('stop() shares one deadline: a slow service eats it, one that misses it is reported, the host moves on', async () => {
    const { host, fake, log, clock } = setup({ shutdownTimeout: '10s' });
    host.add(fake('a'));
    host.add(fake('b', { stopMs: 6000 }));
    host.add(fake('c', { stopMs: 6000 }));
    host.add(fake('hangs', { stopMs: Number.POSITIVE_INFINITY }));
    await host.start();
    let result: Awaited<ReturnType<Host['stop']>> | null = null;
    void host.stop().then((r) => (result = r));
    await clock.advance('9999ms');
    expect(result).toBeNull();
    await clock.advance(1);
    // 'hangs' used the whole 10 s; c, b and a got the rest of the same deadline: nothing.
    expect(result).toEqual({ stopped: ['a'], timedOut: ['hangs', 'c', 'b'], failed: [] });
    expect(log.slice(-4)).toEqual(['stop c', 'stop b', 'stop a', 'stopped a']);
    expect(host.health().services.map((s) => s.state)).toEqual(['stopped', 'stopping', 'stopping', 'stopping']);
    await clock.advance('6s'); // b and c finish late: their state follows
    expect(host.health().services.map((s) => s.state)).toEqual(['stopped', 'stopped', 'stopped', 'stopping']);
  });

  test('the deadline is shared, not per service: 6 s + 6 s under 10 s stops the first and times out the second at 10 s', async () => {
    const { host, fake, clock } = setup({ shutdownTimeout: '10s' });
    host.add(fake('a', { stopMs: 6000 }));
    host.add(fake('b', { stopMs: 6000 }));
    await host.start();
    const stopping = host.stop();
    await clock.advance('10s');
    expect(await stopping).toEqual({ stopped: ['b'], timedOut: ['a'], failed: [] });
    expect(clock.now()).toBe(10_000);
  });

  test('a stop() that throws is reported in failed, and the others are still stopped', async () => {
    const { host, fake } = setup();
    host.add(fake('a'));
    host.add(fake('b', { failStop: new Error('socket busy') }));
    await host.start();
    const result = await host.stop();
    expect(result.stopped).toEqual(['a']);
    expect(result.failed).toEqual([{ name: 'b', error: new Error('socket busy') }]);
    expect(host.health().services[1]).toEqual({ name: 'b', state: 'failed', live: false, ready: false, detail: 'socket busy' });
  });

  test('a service that fails to start rolls back the ones started before it, in reverse, and start() rethrows', async () => {
    const { host, fake, log } = setup();
    const boom = new Error('port in use');
    host.add(fake('a'));
    host.add(fake('b'));
    host.add(fake('c', { failStart: boom }));
    host.add(fake('d'));
    await expect(host.start()).rejects.toBe(boom);
    expect(log).toEqual(['start a', 'start b', 'start c', 'stop b', 'stopped b', 'stop a', 'stopped a']);
    expect(host.health().services.map((s) => [s.name, s.state])).toEqual([
      ['a', 'stopped'],
      ['b', 'stopped'],
      ['c', 'failed'],
      ['d', 'idle'],
    ]);
    expect(host.health()).toMatchObject({ live: false, ready: false });
  });

  test('a service added while running is started at once, and stopped first', async () => {
    const { host, fake, log } = setup();
    host.add(fake('a'));
    await host.start();
    await host.add(fake('leader-only'));
    expect(log).toEqual(['start a', 'start leader-only']);
    expect(host.health().services.map((s) => s.state)).toEqual(['running', 'running']);
    await expect(host.add(fake('broken', { failStart: new Error('nope') }))).rejects.toThrow('nope');
    expect(host.health().live).toBe(false);
    expect(() => host.add(fake('a'))).toThrow(InvalidArgumentError);
    expect((await host.stop()).stopped).toEqual(['leader-only', 'a']);
  });

  test('a service added during the start joins the end of the sequence', async () => {
    const { host, fake, log, clock } = setup();
    host.add(fake('a', { startMs: 100 }));
    const starting = host.start();
    await host.add(fake('b'));
    await clock.advance(100);
    await starting;
    expect(log).toEqual(['start a', 'start b']);
  });

  test('a stop during the start aborts the starting service signal, lets it finish, stops it and never starts the rest', async () => {
    const { host, fake, log, clock, signals } = setup();
    host.add(fake('a'));
    host.add(fake('b', { startMs: 1000 }));
    host.add(fake('c'));
    const starting = host.start();
    starting.catch(() => {});
    await clock.advance(500);
    const stopping = host.stop();
    await clock.settle();
    expect(signals.get('b')?.aborted).toBe(true);
    expect(signals.get('a')?.aborted).toBe(false);
    await clock.advance(500);
    await expect(starting).rejects.toBeInstanceOf(HostStateError);
    expect((await stopping).stopped).toEqual(['b', 'a']);
    expect(log).not.toContain('start c');
  });

  test('health(): ready only when running and every service runs and reports ready; live unless one is broken', async () => {
    let warm = false;
    let broken = false;
    const { host, fake } = setup();
    host.add(fake('a'));
    host.add(
      fake('cache', {
        health: () => {
          if (broken) throw new Error('probe bug');
          return warm ? { live: true, ready: true } : { live: true, ready: false, detail: 'warming up' };
        },
      }),
    );
    expect(host.health()).toEqual({
      live: true,
      ready: false,
      services: [
        { name: 'a', state: 'idle', live: true, ready: false },
        { name: 'cache', state: 'idle', live: true, ready: false },
      ],
    });
    await host.start();
    expect(host.health()).toMatchObject({ live: true, ready: false });
    expect(host.health().services[1]).toEqual({ name: 'cache', state: 'running', live: true, ready: false, detail: 'warming up' });
    warm = true;
    expect(host.health()).toMatchObject({ live: true, ready: true });
    broken = true;
    expect(host.health().services[1]).toEqual({ name: 'cache', state: 'running', live: false, ready: false, detail: 'health() threw: probe bug' });
    broken = false;
    await host.stop();
    expect(host.health()).toMatchObject({ live: true, ready: false });
  });

  test('an empty running host is ready', async () => {
    const { host } = setup();
    await host.start();
    expect(host.health()).toEqual({ live: true, ready: true, services: [] });
  });

  test('on SIGTERM it stops, then removes its handlers; a stop that timed out sets process.exitCode', async () => {
    const { host, fake, clock, log } = setup({ handleSignals: true, keepAlive: false, shutdownTimeout: '1s' });
    host.add(fake('a'));
    host.add(fake('slow', { stopMs: 5000 }));
    const before = { term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') };
    const exitCodeBefore = process.exitCode;
    try {
      await host.start();
      expect(process.listenerCount('SIGTERM')).toBe(before.term + 1);
      expect(process.listenerCount('SIGINT')).toBe(before.int + 1);
      process.emit('SIGTERM', 'SIGTERM');
      process.emit('SIGINT', 'SIGINT'); // a second signal joins the same stop
      await clock.advance('1s');
      expect(await host.stop()).toEqual({ stopped: ['a'], timedOut: ['slow'], failed: [] });
      expect(log.filter((line) => line.startsWith('stop '))).toEqual(['stop slow', 'stop a']);
      expect(process.listenerCount('SIGTERM')).toBe(before.term);
      expect(process.listenerCount('SIGINT')).toBe(before.int);
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = exitCodeBefore;
    }
  });

  test('Symbol.asyncDispose stops the host', async () => {
    const { host, fake, log } = setup();
    host.add(fake('a'));
    await host.start();
    await host[Symbol.asyncDispose]();
    expect(log).toEqual(['start a', 'stop a', 'stopped a']);
  });

  test('rejects a bad shutdownTimeout and unnamed or duplicate services', () => {
    expect(() => new Host({ shutdownTimeout: '-1s', handleSignals: false })).toThrow('Expected `shutdownTimeout` to be a non-negative duration');
    const { host, fake } = setup();
    expect(() => host.add({ ...fake('x'), name: '' })).toThrow(InvalidArgumentError);
    expect(() => new Host({ handleSignals: false, services: [fake('x'), fake('x')] })).toThrow('got "x" twice');
  });
});
