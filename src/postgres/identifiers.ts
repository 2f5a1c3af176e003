import { InvalidArgumentError } from '../errors.ts';

/** PostgreSQL truncates identifiers to 63 bytes; a longer schema name would silently alias another. */
const maxIdentifierBytes = 63;

/**
 * Checks a schema name given at the API edge. Letters, digits, `_` and `$`, not starting with a
 * digit or `$`, and not `pg_`-prefixed (reserved for the system): such a name is also a valid
 * LISTEN channel and needs no escaping anywhere. It is still quoted everywhere, so case is kept.
 */
export function assertSchemaName(schema: unknown): string {
  if (typeof schema !== 'string' || !/^[A-Za-z_][A-Za-z0-9_$]*$/.test(schema)) {
    throw new InvalidArgumentError(
      `Expected \`schema\` to be an SQL identifier (letters, digits, _ and $, not starting with a digit), got ${JSON.stringify(schema)}`,
    );
  }
  if (Buffer.byteLength(schema) > maxIdentifierBytes) {
    throw new InvalidArgumentError(`Expected \`schema\` to be at most ${maxIdentifierBytes} bytes, got ${schema.length}`);
  }
  if (/^pg_/i.test(schema)) throw new InvalidArgumentError(`Expected \`schema\` not to start with "pg_" (reserved), got "${schema}"`);
  return schema;
}

/** Double-quotes an identifier (`"a""b"`), for names that were checked or come from the catalog. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
