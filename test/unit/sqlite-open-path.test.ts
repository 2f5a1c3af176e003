import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { StoreConfigError, SundialError } from '../../src/errors.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';

// A SQLite path that cannot be created is the user's configuration, not an outage: a typed
// StoreConfigError (not retried) naming the path and the fix, with the system error as cause.
let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'sundial-sqlite-path-'));
});
afterEach(() => {
  chmodSync(directory, 0o700);
  rmSync(directory, { recursive: true, force: true });
});

async function openError(path: string): Promise<Error> {
  const store = new SqliteStore(path);
  try {
    await store.open();
  } catch (error) {
    return error as Error;
  }
  await store.close();
  throw new Error(`expected ${path} to be refused`);
}

describe('SqliteStore: a path that cannot be created', () => {
  test('a folder in the path is a file: StoreConfigError naming the path and the fix', async () => {
    writeFileSync(join(directory, 'not-a-folder'), 'plain text');
    const path = join(directory, 'not-a-folder', 'data', 'sundial.db');
    const error = await openError(path);
    expect(error).toBeInstanceOf(StoreConfigError);
    expect(error).toBeInstanceOf(SundialError);
    expect((error as StoreConfigError).code).toBe('STORE_CONFIG');
    expect(error.message).toContain(JSON.stringify(path));
    expect(error.message).toContain('is not a folder');
    expect(error.message).toMatch(/point the store at a file in a folder that exists or can be created/);
    expect((error.cause as NodeJS.ErrnoException).code).toMatch(/^(ENOTDIR|EEXIST)$/);
  });

  test('the path is a folder: StoreConfigError asking for a file name', async () => {
    const path = join(directory, 'a-folder');
    mkdirSync(path);
    writeFileSync(join(path, 'x'), 'x');
    const error = await openError(path);
    expect(error).toBeInstanceOf(StoreConfigError);
    expect(error.message).toContain(JSON.stringify(path));
    expect(error.message).toContain('the path is a folder');
  });

  test.skipIf(process.getuid?.() === 0)('a folder this process may not write: StoreConfigError about permissions (skipped as root: root may write anywhere)', async () => {
    const locked = join(directory, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    try {
      const path = join(locked, 'sub', 'sundial.db');
      const error = await openError(path);
      expect(error).toBeInstanceOf(StoreConfigError);
      expect(error.message).toContain(JSON.stringify(path));
      expect(error.message).toContain('give it write access');
    } finally {
      chmodSync(locked, 0o700);
    }
  });
});
