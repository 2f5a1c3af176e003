import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { InvalidArgumentError } from '../index.ts';
import { resolveStoreUrl } from './store-url.ts';

const commonOptions = {
  store: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsOptionsConfig;

/** The values of a command's own options: strings for `type: 'string'`, booleans otherwise. */
export type OptionValues<O extends ParseArgsOptionsConfig> = {
  [K in keyof O]?: O[K]['type'] extends 'string' ? string : boolean;
};

export interface ParsedArgs<O extends ParseArgsOptionsConfig> {
  values: OptionValues<O>;
  positionals: string[];
  storeUrl: string;
  json: boolean;
}

/**
 * `parseArgs` with the common options (--store, --json, --help) added, and its errors turned
 * into one-line InvalidArgumentErrors that point at `--help`.
 */
export function parseCommandArgs<O extends ParseArgsOptionsConfig>(
  commandName: string,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  options: O,
  positionalNames: readonly string[] = [],
  fallbackStoreUrl?: string,
): ParsedArgs<O> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...options, ...commonOptions }, allowPositionals: true, strict: true });
  } catch (error) {
    // Node's messages add advice about `--` that does not fit here: keep the first sentence.
    const message = error instanceof Error ? error.message.split('\n')[0]!.replace(/\. To specify a positional.*$/, '') : String(error);
    throw new InvalidArgumentError(`${message}; see \`sundial ${commandName} --help\``, { cause: error });
  }
  const { positionals } = parsed;
  if (positionals.length !== positionalNames.length) {
    const expected = positionalNames.length === 0 ? 'no arguments' : positionalNames.map((name) => `<${name}>`).join(' ');
    const got = positionals.length === 0 ? 'none' : positionals.map((p) => JSON.stringify(p)).join(' ');
    throw new InvalidArgumentError(`\`sundial ${commandName}\` takes ${expected}, got ${got}; see \`sundial ${commandName} --help\``);
  }
  const common = parsed.values as OptionValues<typeof commonOptions>;
  return {
    values: parsed.values as OptionValues<O>,
    positionals,
    storeUrl: resolveStoreUrl(common.store, env, fallbackStoreUrl),
    json: common.json === true,
  };
}

/** A positive integer option such as `--limit`. */
export function parsePositiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`Expected \`--${name}\` to be a positive integer, got ${JSON.stringify(value)}`);
  }
  return n;
}
