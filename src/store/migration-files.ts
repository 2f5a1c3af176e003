import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreSchemaError } from '../errors.ts';

/** One numbered migration file of a store: `0001_init.sql` is version 1. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Reads a store's numbered migrations (`0001_init.sql`, `0002_….sql`, …) from `directory` (a
 * `file:` URL next to the store's module, so it resolves in src for tests and in dist, where the
 * build copies the .sql files), in order. A gap or a duplicate number would silently skip a
 * migration on some databases, so it is refused.
 */
export function readMigrationFiles(directory: URL, storeName: string): Migration[] {
  const dir = fileURLToPath(directory);
  return readdirSync(dir)
    .filter((name) => /^\d{4}_[\w-]+\.sql$/.test(name))
    .sort()
    .map((name, index) => {
      const version = Number(name.slice(0, 4));
      if (version !== index + 1) throw new StoreSchemaError(`${storeName} migrations are not numbered 0001, 0002, … (found ${name})`);
      return { version, name, sql: readFileSync(join(dir, name), 'utf8') };
    });
}
