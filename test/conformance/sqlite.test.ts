import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'vitest';
import { SqliteStore } from '../../src/sqlite/index.ts';
import type { Store } from '../../src/store/store.ts';
import { defineStoreConformanceSuite } from '../../src/testing/conformance/index.ts';

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
    async destroyStore(store) {
      await store.close();
      const directory = directories.get(store);
      directories.delete(store);
      if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
    },
  },
  { describe, test, beforeEach, afterEach, skip: test.skip },
);
