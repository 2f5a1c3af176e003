import { afterEach, beforeEach, describe, test } from 'vitest';
import { MemoryStore } from '../../src/memory/index.ts';
import { defineStoreConformanceSuite } from '../../src/testing/conformance/index.ts';

defineStoreConformanceSuite(
  'memory',
  {
    createStore: async () => {
      const store = new MemoryStore();
      await store.open();
      return store;
    },
  },
  { describe, test, beforeEach, afterEach, skip: test.skip },
);
