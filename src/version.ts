import { readFileSync } from 'node:fs';

/** This package's version, as nodes report it (read once; the same path works from src/ and dist/). */
export const sundialVersion: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
