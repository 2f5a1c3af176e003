import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { StoreSchemaError } from '../../src/errors.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';
import { latestSchemaVersion } from '../../src/sqlite/migrations.ts';

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'sundial-sqlite-schema-'));
});
afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

/** Opens a store on `path`, expects StoreSchemaError, and returns it. */
async function expectRefused(path: string): Promise<StoreSchemaError> {
  const store = new SqliteStore(path);
  const error = await store.open().then(
    () => null,
    (caught: unknown) => caught,
  );
  await store.close();
  expect(error).toBeInstanceOf(StoreSchemaError);
  return error as StoreSchemaError;
}

/** A plain SQLite file (rollback journal, so closing leaves no side files) built by `build`. */
function sqliteFile(name: string, build: (db: DatabaseSync) => void): string {
  const path = join(directory, name);
  const db = new DatabaseSync(path);
  build(db);
  db.close();
  return path;
}

describe('SqliteStore schema', () => {
  test('a fresh file gets the latest schema, marked as a Sundial store', async () => {
    const path = join(directory, 'nested', 'store.db');
    const store = new SqliteStore(path);
    await store.open();
    await store.close();
    const db = new DatabaseSync(path, { readOnly: true });
    const meta = Object.fromEntries(db.prepare('SELECT key, value FROM sundial_meta').all().map((r) => [r.key, r.value]));
    expect(meta).toEqual({ format: 'sundial-store', schema_version: String(latestSchemaVersion()), events_trimmed_through_seq: '0' });
    expect(db.prepare('PRAGMA journal_mode').get()?.journal_mode).toBe('wal');
    db.close();
  });

  test('opening an up-to-date file again is a no-op, and open/close are idempotent', async () => {
    const path = join(directory, 'store.db');
    const first = new SqliteStore({ path, busyTimeoutMs: 100 });
    await first.open();
    await first.open();
    await first.enqueueJobs([
      { id: 'j1', task: 't', data: null, origin: 'enqueue', scheduleId: null, fireAtMs: null, priority: 0, runAtMs: 0, maxAttempts: 1, dedupeKey: null, createdAtMs: 0 },
    ]);
    await first.close();
    await first.close();
    const second = new SqliteStore(path);
    await second.open();
    expect((await second.getJob('j1'))?.id).toBe('j1');
    await second.close();
  });

  test('a file that is not a SQLite database is refused and left byte-for-byte untouched', async () => {
    const path = join(directory, 'garbage.db');
    const garbage = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 31 + 7) % 256));
    writeFileSync(path, garbage);
    const error = await expectRefused(path);
    expect(error.message).toMatch(/not a SQLite database/);
    expect(error.cause).toBeInstanceOf(Error);
    expect(readFileSync(path).equals(garbage)).toBe(true);
  });

  test('a corrupt SQLite file (valid header, garbage pages) is refused with the SQLite error as cause and left untouched', async () => {
    const path = join(directory, 'corrupt.db');
    const bytes = Buffer.alloc(8192, 0xab);
    bytes.write('SQLite format 3\0', 0, 'latin1');
    writeFileSync(path, bytes);
    const error = await expectRefused(path);
    expect(error.cause).toBeInstanceOf(Error);
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  test('a file written by a newer Sundial is refused with an upgrade hint and left untouched', async () => {
    const path = sqliteFile('newer.db', (db) => {
      db.exec(`CREATE TABLE sundial_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        INSERT INTO sundial_meta VALUES ('format', 'sundial-store'), ('schema_version', '${latestSchemaVersion() + 1}');`);
    });
    const before = readFileSync(path);
    const error = await expectRefused(path);
    expect(error.message).toContain(
      `written by a newer Sundial (schema ${latestSchemaVersion() + 1}, this one knows ${latestSchemaVersion()}); upgrade Sundial`,
    );
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  test('a SQLite file whose sundial_meta lacks the Sundial marker is refused and left untouched', async () => {
    const path = sqliteFile('foreign-meta.db', (db) => {
      db.exec(`CREATE TABLE sundial_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO sundial_meta VALUES ('format', 'something-else');`);
    });
    const before = readFileSync(path);
    const error = await expectRefused(path);
    expect(error.message).toMatch(/without the Sundial store marker/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  test('a SQLite file with its own jobs table (and no marker) is refused and left untouched', async () => {
    const path = sqliteFile('other-app.db', (db) => db.exec('CREATE TABLE jobs (id INTEGER PRIMARY KEY, what TEXT)'));
    const before = readFileSync(path);
    const error = await expectRefused(path);
    expect(error.message).toMatch(/tables named jobs/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  test('another application’s SQLite file without clashing tables gets the Sundial tables added', async () => {
    const path = sqliteFile('shared.db', (db) => db.exec('CREATE TABLE app_settings (k TEXT PRIMARY KEY, v TEXT)'));
    const store = new SqliteStore(path);
    await store.open();
    expect(await store.listJobs()).toEqual([]);
    await store.close();
  });

  test('several stores opening one fresh file at once all succeed (migration runs once)', async () => {
    const path = join(directory, 'race.db');
    const stores = Array.from({ length: 4 }, () => new SqliteStore(path));
    await Promise.all(stores.map((store) => store.open()));
    for (const store of stores) await store.close();
    const db = new DatabaseSync(path, { readOnly: true });
    expect(db.prepare(`SELECT value FROM sundial_meta WHERE key = 'schema_version'`).get()?.value).toBe(String(latestSchemaVersion()));
    db.close();
  });

  test(':memory: works as a single-connection store', async () => {
    const store = new SqliteStore(':memory:');
    await store.open();
    expect(await store.nextWakeAtMs()).toBeNull();
    await store.close();
  });
});
