import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError, type Store } from '../index.ts';

/** The store the CLI uses when neither `--store` nor `SUNDIAL_STORE` names one. */
export const defaultStoreUrl = 'sqlite:./sundial.db';

/** What a store URL names, before any driver is loaded. */
export type StoreLocation = { kind: 'sqlite'; path: string } | { kind: 'memory' };

const acceptedForms =
  'sqlite:./path.db, sqlite:///absolute/path.db, a path ending in .db, or memory: ' +
  '(postgres:// and redis:// are planned)';

// Stores that later versions bring: named here so their URLs get a clear answer, not "unknown".
const plannedStores: ReadonlyArray<{ prefixes: readonly string[]; name: string }> = [
  { prefixes: ['postgres://', 'postgresql://'], name: 'The PostgreSQL store' },
  { prefixes: ['redis://', 'rediss://'], name: 'The Redis store' },
];

/**
 * Reads a store URL without touching any file. Pure, so the accepted forms are unit-tested.
 *
 * @throws InvalidArgumentError for a planned store (PostgreSQL, Redis) or an unknown form.
 * @example parseStoreUrl('sqlite:./sundial.db') // { kind: 'sqlite', path: './sundial.db' }
 */
export function parseStoreUrl(url: string): StoreLocation {
  const value = url.trim();
  if (value === '') throw new InvalidArgumentError(`Expected a store URL, got an empty string; use ${acceptedForms}`);
  const lower = value.toLowerCase();
  for (const planned of plannedStores) {
    if (planned.prefixes.some((prefix) => lower.startsWith(prefix))) {
      throw new InvalidArgumentError(
        `${planned.name} (${JSON.stringify(redact(value))}) is not available yet in this version of Sundial; use sqlite:./sundial.db or memory:`,
      );
    }
  }
  if (lower === 'memory:' || lower === 'memory://') return { kind: 'memory' };
  if (lower.startsWith('sqlite:')) return { kind: 'sqlite', path: sqlitePath(value.slice('sqlite:'.length), value) };
  if (!/^[a-z][a-z0-9+.-]*:/i.test(value) && /\.(db|sqlite|sqlite3)$/i.test(value)) return { kind: 'sqlite', path: value };
  throw new InvalidArgumentError(`Unknown store URL ${JSON.stringify(redact(value))}; expected ${acceptedForms}`);
}

export interface OpenStoreOptions {
  /**
   * Refuse a SQLite file that does not exist yet instead of creating it: an admin command run in
   * the wrong directory should say so, not inspect a fresh empty store.
   * @defaultValue false
   */
  mustExist?: boolean;
}

/**
 * Creates and opens the store a URL names (see {@link parseStoreUrl}). The caller closes it.
 *
 * @throws InvalidArgumentError for a bad URL or (with `mustExist`) a missing SQLite file; the
 * store's own errors (StoreSchemaError, StoreUnavailableError) when it cannot be opened.
 */
export async function openStoreFromUrl(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const location = parseStoreUrl(url);
  let store: Store;
  if (location.kind === 'memory') {
    const { MemoryStore } = await import('../memory/index.ts');
    store = new MemoryStore();
  } else {
    if (options.mustExist && location.path !== ':memory:' && !existsSync(location.path)) {
      throw new InvalidArgumentError(
        `No store at ${resolve(location.path)}; pass --store <url> or set SUNDIAL_STORE (e.g. sqlite:./sundial-demo.db)`,
      );
    }
    const { SqliteStore } = await import('../sqlite/index.ts');
    store = new SqliteStore(location.path);
  }
  await store.open();
  return store;
}

/** The store URL to use: `--store`, else `SUNDIAL_STORE`, else {@link defaultStoreUrl}. */
export function resolveStoreUrl(flag: string | undefined, env: NodeJS.ProcessEnv, fallback = defaultStoreUrl): string {
  if (flag !== undefined && flag !== '') return flag;
  const fromEnv = env['SUNDIAL_STORE'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : fallback;
}

function sqlitePath(rest: string, url: string): string {
  // sqlite:///abs/path.db → /abs/path.db; sqlite://./rel.db → ./rel.db; sqlite:./rel.db → ./rel.db
  const path = rest.startsWith('//') ? decodeURIComponent(rest.slice(2)) : rest;
  if (path === '') throw new InvalidArgumentError(`Expected a file path after "sqlite:" in ${JSON.stringify(url)}, e.g. sqlite:./sundial.db`);
  return path;
}

/** Hides a password in a URL before it goes into a message. */
function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}
