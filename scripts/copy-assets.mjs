// tsc only emits JavaScript: copy the non-TypeScript files the runtime reads (SQL migrations, Lua scripts, dashboard assets).
import { cpSync, readdirSync, statSync, mkdirSync } from 'node:fs';
import { join, extname, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');
const assetExtensions = new Set(['.sql', '.lua', '.html', '.css', '.js', '.svg', '.json']);

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (assetExtensions.has(extname(name)) && !name.endsWith('.ts')) {
      const target = join(dist, relative(src, path));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target);
    }
  }
}
walk(src);
