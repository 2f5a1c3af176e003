// Checks the shape of src/ that the style guide asks for, on every CI run:
// - no import cycles between modules;
// - layers point one way: stores never import each other or the runtime; nothing below the
//   runtime imports admin or the CLI; admin and the CLI use the public entry points only.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src', import.meta.url));
const stores = ['memory', 'sqlite', 'postgres', 'redis'];
const importPattern = /^\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/gm;

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const graph = new Map();
for (const file of files(src)) {
  const text = readFileSync(file, 'utf8');
  graph.set(file, [...text.matchAll(importPattern)].map((match) => resolve(dirname(file), match[1])));
}

const problems = [];
const area = (file) => relative(src, file).split('/')[0];

for (const [file, imports] of graph) {
  const from = area(file);
  for (const target of imports) {
    const to = area(target);
    if (!graph.has(target)) problems.push(`${relative(src, file)} imports a missing module ${relative(src, target)}`);
    if (stores.includes(from) && to !== from && (stores.includes(to) || to === 'runtime' || to === 'admin' || to === 'cli')) {
      problems.push(`store ${relative(src, file)} must not import ${relative(src, target)}`);
    }
    if (!['admin', 'cli'].includes(from) && ['admin', 'cli'].includes(to)) {
      problems.push(`${relative(src, file)} (below the shell) must not import ${relative(src, target)}`);
    }
  }
}

// Cycles: depth-first search with an explicit path.
const state = new Map(); // file → 'visiting' | 'done'
function visit(file, path) {
  state.set(file, 'visiting');
  for (const target of graph.get(file) ?? []) {
    if (state.get(target) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(target)), target].map((f) => relative(src, f));
      problems.push(`import cycle: ${cycle.join(' → ')}`);
    } else if (!state.has(target) && graph.has(target)) {
      visit(target, [...path, target]);
    }
  }
  state.set(file, 'done');
}
for (const file of graph.keys()) if (!state.has(file)) visit(file, [file]);

if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`imports: ${graph.size} modules, no cycles, layers point one way`);
