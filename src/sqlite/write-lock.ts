import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreUnavailableError } from '../errors.ts';
import { isBusyError } from './sqlite-errors.ts';

const maxPauseMs = 25;

/**
 * Takes the store's write lock (BEGIN IMMEDIATE) without blocking the event loop while another
 * connection holds it: one attempt without SQLite's busy handler, then further attempts after
 * short pauses (1, 2, 4 … 25 ms, as SQLite's own handler sleeps) until `busyTimeoutMs` has passed,
 * when the last SQLITE_BUSY is thrown. A caller's transaction open on a connection of this same
 * thread (`options.tx`) can so commit meanwhile, where the blocking busy handler would wait for
 * it in vain. No promise (synchronous) when the lock is free at once. Lock waits are real time,
 * as SQLite's are: this is the store's one timer besides the change watcher.
 */
export class WriteLock {
  readonly #begin: StatementSync;
  readonly #busyHandlerOff: StatementSync;
  readonly #busyHandlerOn: StatementSync;
  readonly #busyTimeoutMs: number;

  constructor(db: DatabaseSync, begin: StatementSync, busyTimeoutMs: number) {
    this.#begin = begin;
    this.#busyTimeoutMs = Math.max(0, Math.trunc(busyTimeoutMs));
    this.#busyHandlerOff = db.prepare('PRAGMA busy_timeout = 0');
    this.#busyHandlerOn = db.prepare(`PRAGMA busy_timeout = ${this.#busyTimeoutMs}`);
  }

  /** Begins the write transaction now, or a promise of it; `isOpen` says whether the store is still open after a pause. */
  acquire(isOpen: () => boolean): Promise<void> | undefined {
    const busy = this.#tryBegin();
    return busy === null ? undefined : this.#retry(busy, isOpen);
  }

  /** null once begun, else the SQLITE_BUSY error. Reads keep the busy handler: only this attempt goes without. */
  #tryBegin(): unknown {
    this.#busyHandlerOff.run();
    try {
      this.#begin.run();
      return null;
    } catch (error) {
      if (isBusyError(error)) return error;
      throw error;
    } finally {
      this.#busyHandlerOn.run();
    }
  }

  async #retry(firstBusy: unknown, isOpen: () => boolean): Promise<void> {
    let busy = firstBusy;
    const deadlineMs = performance.now() + this.#busyTimeoutMs;
    for (let pauseMs = 1; ; pauseMs = Math.min(pauseMs * 2, maxPauseMs)) {
      const leftMs = deadlineMs - performance.now();
      if (leftMs <= 0) throw busy;
      await sleep(Math.min(pauseMs, leftMs));
      if (!isOpen()) throw new StoreUnavailableError('The SQLite store was closed while a write waited for the lock');
      busy = this.#tryBegin();
      if (busy === null) return;
    }
  }
}
