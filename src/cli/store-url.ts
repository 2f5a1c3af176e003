import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError, type Store } from '../index.ts';

/** The store the CLI uses when neither `--store` nor `SUNDIAL_STORE` names one. */
export const defaultStoreUrl = 'sqlite:./sundial.db';

/** What a store URL names, before any driver is loaded. */
export type StoreLocation =
  | { kind: 'sqlite'; path: string }
  | { kind: 'memory' }
  | { kind: 'postgres'; connectionString: string; schema: string | undefined }
  | { kind: 'redis'; url: string; prefix: string | undefined };

const acceptedForms =
  'sqlite:./path.db, sqlite:///absolute/path.db, a path ending in .db, memory:, ' +
  'postgres://user@host/db[?schema=sundial] or redis://host:6379[/db][?prefix=sundial]';

/**
 * Reads a store URL without touching any file or server. Pure, so the accepted forms are
 * unit-tested. The store-specific parameter (`schema` for PostgreSQL, `prefix` for Redis) is
 * taken out of the URL before it reaches the driver.
 *
 * @throws InvalidArgumentError for an unknown form.
 * @example parseStoreUrl('sqlite:./sundial.db') // { kind: 'sqlite', path: './sundial.db' }
 * @example parseStoreUrl('redis://cache:6379?prefix=jobs') // { kind: 'redis', url: 'redis://cache:6379', prefix: 'jobs' }
 */
export function parseStoreUrl(url: string): StoreLocation {
  const value = url.trim();
  if (value === '') throw new InvalidArgumentError(`Expected a store URL, got an empty string; use ${acceptedForms}`);
  const lower = value.toLowerCase();
  if (lower.startsWith('postgres://') || lower.startsWith('postgresql://')) {
    const { base, parameter } = takeParameter(value, 'schema');
    return { kind: 'postgres', connectionString: base, schema: parameter };
  }
  if (lower.startsWith('redis://') || lower.startsWith('rediss://')) {
    const { base, parameter } = takeParameter(value, 'prefix');
    return { kind: 'redis', url: base, prefix: parameter };
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
  } else if (location.kind === 'postgres') {
    // Loaded only when named: pg is an optional peer dependency.
    const { PostgresStore } = await import('../postgres/index.ts');
    store = new PostgresStore({ connectionString: location.connectionString, ...(location.schema ? { schema: location.schema } : {}) });
  } else if (location.kind === 'redis') {
    const { RedisStore } = await import('../redis/index.ts');
    store = new RedisStore({ url: location.url, ...(location.prefix ? { prefix: location.prefix } : {}) });
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

/** Splits `name=value` off a URL's query string, keeping the rest of the URL as the driver wants it. */
function takeParameter(url: string, name: string): { base: string; parameter: string | undefined } {
  const queryAt = url.indexOf('?');
  if (queryAt === -1) return { base: url, parameter: undefined };
  const query = new URLSearchParams(url.slice(queryAt + 1));
  const parameter = query.get(name) ?? undefined;
  query.delete(name);
  const rest = query.toString();
  return { base: url.slice(0, queryAt) + (rest === '' ? '' : `?${rest}`), parameter: parameter === '' ? undefined : parameter };
}

/** Hides a password in a URL before it goes into a message. */
function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}
