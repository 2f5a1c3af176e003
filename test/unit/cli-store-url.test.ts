import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStoreFromUrl, parseStoreUrl, resolveStoreUrl } from '../../src/cli/store-url.ts';
import { InvalidArgumentError } from '../../src/errors.ts';

describe('parseStoreUrl', () => {
  it.each([
    ['sqlite:./data/app.db', './data/app.db'],
    ['sqlite:app.db', 'app.db'],
    ['sqlite:///var/lib/app.db', '/var/lib/app.db'],
    ['sqlite:///var/lib/my%20app.db', '/var/lib/my app.db'],
    ['sqlite::memory:', ':memory:'],
    ['./sundial.db', './sundial.db'],
    ['/abs/jobs.sqlite', '/abs/jobs.sqlite'],
    ['  app.db  ', 'app.db'],
  ])('reads %s as the SQLite file %s', (url, path) => {
    expect(parseStoreUrl(url)).toEqual({ kind: 'sqlite', path });
  });

  it('reads memory: as the memory store', () => {
    expect(parseStoreUrl('memory:')).toEqual({ kind: 'memory' });
    expect(parseStoreUrl('MEMORY:')).toEqual({ kind: 'memory' });
  });

  it.each([
    ['postgres://user:secret@db/app', { kind: 'postgres', connectionString: 'postgres://user:secret@db/app', schema: undefined }],
    ['postgresql://db/app?schema=jobs&sslmode=require', { kind: 'postgres', connectionString: 'postgresql://db/app?sslmode=require', schema: 'jobs' }],
    ['redis://localhost:6379', { kind: 'redis', url: 'redis://localhost:6379', prefix: undefined }],
    ['rediss://cache:6380/2?prefix=app-jobs', { kind: 'redis', url: 'rediss://cache:6380/2', prefix: 'app-jobs' }],
  ])('reads %s, taking the store parameter out of the driver URL', (url, location) => {
    expect(parseStoreUrl(url)).toEqual(location);
  });

  it('never repeats a password in its message', () => {
    expect(() => parseStoreUrl('mysql://user:secret@db/app')).toThrow(/mysql:\/\/user:\*\*\*@db\/app/);
    expect(() => parseStoreUrl('mysql://user:secret@db/app')).not.toThrow(/secret/);
  });

  it.each(['mysql://db/app', 'app.txt', 'sqlite:', 'sqlite://', 'http://x/app.db', ''])('refuses %j and lists the accepted forms', (url) => {
    expect(() => parseStoreUrl(url)).toThrow(InvalidArgumentError);
    expect(() => parseStoreUrl(url)).toThrow(/sqlite:|store URL/);
  });
});

describe('resolveStoreUrl', () => {
  it('prefers --store, then SUNDIAL_STORE, then sqlite:./sundial.db', () => {
    expect(resolveStoreUrl('memory:', { SUNDIAL_STORE: 'sqlite:a.db' })).toBe('memory:');
    expect(resolveStoreUrl(undefined, { SUNDIAL_STORE: 'sqlite:a.db' })).toBe('sqlite:a.db');
    expect(resolveStoreUrl(undefined, {})).toBe('sqlite:./sundial.db');
    expect(resolveStoreUrl(undefined, { SUNDIAL_STORE: '' }, 'sqlite:./demo.db')).toBe('sqlite:./demo.db');
  });
});

describe('openStoreFromUrl', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sundial-cli-url-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('opens a SqliteStore for a sqlite URL and a MemoryStore for memory:', async () => {
    const sqlite = await openStoreFromUrl(`sqlite://${join(dir, 'a.db')}`);
    expect(sqlite.name).toBe('sqlite');
    await sqlite.close();
    const memory = await openStoreFromUrl('memory:');
    expect(memory.name).toBe('memory');
    await memory.close();
  });

  it('refuses a missing file with mustExist instead of creating it', async () => {
    await expect(openStoreFromUrl(join(dir, 'missing.db'), { mustExist: true })).rejects.toThrow(/No store at .*missing\.db/);
  });
});
