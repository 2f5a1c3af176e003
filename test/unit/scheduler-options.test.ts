import { hostname } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.ts';
import { MemoryStore } from '../../src/memory/index.ts';
import type { Logger } from '../../src/runtime/logger.ts';
import { resolveSchedulerOptions } from '../../src/runtime/scheduler-options.ts';
import { VirtualClock } from '../../src/testing/virtual-clock.ts';
import { systemClock } from '../../src/time/clock.ts';

const store = new MemoryStore();

function refusal(options: unknown): string {
  try {
    resolveSchedulerOptions(options as never);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return (error as Error).message;
  }
  throw new Error('expected a throw');
}

describe('resolveSchedulerOptions', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('fills the documented defaults', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.123456789);
    const resolved = resolveSchedulerOptions({ store });
    expect(resolved).toMatchObject({
      store,
      tasks: [],
      services: undefined,
      clock: systemClock,
      concurrency: 10,
      prefetch: 0,
      leaseMs: 3_000,
      heartbeatMs: 1_000,
      pollIntervalMs: 500,
      shutdownTimeoutMs: 10_000,
      keepSucceededMs: 86_400_000,
      keepFailedMs: 604_800_000,
      runsSchedules: true,
      runsJobs: true,
    });
    // hostname:pid:4 random base-36 characters
    expect(resolved.nodeId).toBe(`${hostname()}:${process.pid}:${(0.123456789).toString(36).slice(2, 6)}`);
    expect(resolved.random).toBe(Math.random);
  });

  it('takes what is given', () => {
    const clock = new VirtualClock(0);
    const random = () => 0.5;
    const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
    const services = { db: 'db' };
    const resolved = resolveSchedulerOptions({
      store, clock, random, logger, services, nodeId: 'node-1', concurrency: 1, prefetch: 3, lease: '30s', heartbeat: '29s',
      pollInterval: '2s', shutdownTimeout: 0, history: { succeeded: null, failed: '1h' }, roles: { schedules: false },
    });
    expect(resolved).toMatchObject({
      clock, random, logger, services, nodeId: 'node-1', concurrency: 1, prefetch: 3, leaseMs: 30_000, heartbeatMs: 29_000,
      pollIntervalMs: 2_000, shutdownTimeoutMs: 0, keepSucceededMs: null, keepFailedMs: 3_600_000, runsSchedules: false, runsJobs: true,
    });
    expect(resolveSchedulerOptions({ store, history: { failed: null } })).toMatchObject({ keepSucceededMs: 86_400_000, keepFailedMs: null });
    expect(resolveSchedulerOptions({ store, roles: { jobs: false } })).toMatchObject({ runsSchedules: true, runsJobs: false });
  });

  it('maxPayloadBytes: 1 MiB by default, else a positive integer', () => {
    expect(resolveSchedulerOptions({ store }).maxPayloadBytes).toBe(1_048_576);
    expect(resolveSchedulerOptions({ store, maxPayloadBytes: 1 }).maxPayloadBytes).toBe(1);
    expect(resolveSchedulerOptions({ store, maxPayloadBytes: 16 * 1024 * 1024 }).maxPayloadBytes).toBe(16_777_216);
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(refusal({ store, maxPayloadBytes: bad })).toBe(`Expected \`maxPayloadBytes\` to be a positive integer (bytes of UTF-8 JSON), got ${String(bad)}`);
    }
    expect(refusal({ store, maxPayloadBytes: '1MB' })).toBe('Expected `maxPayloadBytes` to be a positive integer (bytes of UTF-8 JSON), got "1MB"');
  });

  it('derives the heartbeat from the lease: a third of it', () => {
    expect(resolveSchedulerOptions({ store, lease: '9s' }).heartbeatMs).toBe(3_000);
    expect(resolveSchedulerOptions({ store, lease: 2 }).heartbeatMs).toBe(1);
  });

  it('turns a log level into a console logger at that level', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined);
    const byDefault = resolveSchedulerOptions({ store }).logger;
    byDefault.info('hidden');
    byDefault.warn('shown');
    expect(info).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledWith('[sundial] shown');
    resolveSchedulerOptions({ store, logger: 'info' }).logger.info('now shown');
    expect(info).toHaveBeenCalledWith('[sundial] now shown');
    resolveSchedulerOptions({ store, logger: 'silent' }).logger.warn('never');
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('refuses options without a store', () => {
    const message = 'Expected `store` in the scheduler options (e.g. new SqliteStore("sundial.db"))';
    expect(refusal(undefined)).toBe(message);
    expect(refusal({})).toBe(message);
    expect(refusal({ store: null })).toBe(message);
    expect(refusal({ store: 'sqlite:./app.db' })).toBe(message);
  });

  it('refuses a concurrency that is not a positive integer, or a prefetch that is not a non-negative one', () => {
    expect(refusal({ store, concurrency: 0 })).toBe('Expected `concurrency` to be a positive integer, got 0');
    expect(refusal({ store, concurrency: 2.5 })).toBe('Expected `concurrency` to be a positive integer, got 2.5');
    expect(refusal({ store, prefetch: -1 })).toBe('Expected `prefetch` to be a non-negative integer, got -1');
    expect(refusal({ store, prefetch: 0.5 })).toBe('Expected `prefetch` to be a non-negative integer, got 0.5');
  });

  it('refuses a heartbeat that is not shorter than the lease', () => {
    expect(refusal({ store, lease: '3s', heartbeat: '3s' })).toBe('Expected `heartbeat` (3000 ms) to be shorter than `lease` (3000 ms)');
    expect(refusal({ store, lease: '3s', heartbeat: '4s' })).toContain('to be shorter than `lease`');
  });

  it('names the option of a bad duration', () => {
    expect(refusal({ store, lease: 0 })).toContain('Expected `lease`');
    expect(refusal({ store, heartbeat: 'soon' })).toContain('Expected `heartbeat`');
    expect(refusal({ store, pollInterval: 0 })).toContain('Expected `pollInterval`');
    expect(refusal({ store, shutdownTimeout: -1 })).toContain('Expected `shutdownTimeout` to be a non-negative duration');
    expect(refusal({ store, history: { succeeded: 0 } })).toContain('Expected `history.succeeded`');
    expect(refusal({ store, history: { failed: '-1d' } })).toContain('Expected `history.failed`');
  });
});
