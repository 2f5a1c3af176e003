import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, test } from 'vitest';
import { SqliteStore } from '../../src/sqlite/index.ts';
import type { Store } from '../../src/store/store.ts';
import { defineStoreConformanceSuite, type DamageTarget } from '../../src/testing/conformance/index.ts';

/** What garbage each damage writes: text that is not JSON, or JSON of the wrong shape (null: not possible). */
const garbage = {
  'not-json': { data: '{garbage', attempts: '[{"attempt":', error: 'oops', result: '{"a":', trigger: 'cron(' },
  'wrong-shape': { data: null, attempts: '"not an array"', error: '42', result: null, trigger: '{"type":"bogus"}' },
} as const;
const columns = { data: 'data', attempts: 'attempts', error: 'error', result: 'result', trigger: 'trigger_spec' } as const;

/** Writes garbage into a row through a connection of its own, as a hand edit or a bad restore would. */
function damageRow(path: string, target: DamageTarget): boolean {
  const value = garbage[target.garbage][target.field];
  if (value === null) return false;
  const db = new DatabaseSync(path);
  try {
    const table = target.kind === 'job' ? 'jobs' : 'schedules';
    const changed = db.prepare(`UPDATE ${table} SET ${columns[target.field]} = ? WHERE id = ?`).run(value, target.id).changes;
    if (Number(changed) !== 1) throw new Error(`no ${target.kind} ${target.id} to damage`);
    return true;
  } finally {
    db.close();
  }
}

// Each test gets its own file in its own temp directory; the peer is a second SqliteStore (a
// separate connection, as another process would have) on that same file.
const directories = new Map<Store, string>();

defineStoreConformanceSuite(
  'sqlite',
  {
    async createStore() {
      const directory = mkdtempSync(join(tmpdir(), 'sundial-sqlite-'));
      const store = new SqliteStore(join(directory, 'store.db'));
      await store.open();
      directories.set(store, directory);
      return store;
    },
    async openPeer(store) {
      const peer = new SqliteStore((store as SqliteStore).path);
      await peer.open();
      return peer;
    },
    damage: async (store, target) => damageRow((store as SqliteStore).path, target),
    async destroyStore(store) {
      await store.close();
      const directory = directories.get(store);
      directories.delete(store);
      if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
    },
  },
  { describe, test, beforeEach, afterEach, skip: test.skip },
);
