// Shared helpers for one benchmark case (one OS process): arguments, counts, statistics, RSS.
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';

const { values: parsed } = parseArgs({
  options: {
    system: { type: 'string', default: '' },
    scenario: { type: 'string', default: '' },
    variant: { type: 'string', default: 'default' },
    role: { type: 'string', default: 'main' },
    name: { type: 'string', default: '' },
    quick: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '10' },
  },
  // run.ts imports this module too, with options of its own.
  strict: false,
});
const text = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : fallback);
export const args = {
  system: text(parsed.system, ''),
  scenario: text(parsed.scenario, ''),
  variant: text(parsed.variant, 'default'),
  role: text(parsed.role, 'main'),
  name: text(parsed.name, ''),
  quick: parsed.quick === true,
  concurrency: text(parsed.concurrency, '10'),
};

/** Full counts, divided by 10 in quick mode (at least 1). */
export const count = (full: number): number => Math.max(1, Math.round(full * (args.quick ? 0.1 : 1)));

export const pgConnection = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: Number(process.env.PGPORT ?? 5432),
  database: process.env.PGDATABASE ?? 'test',
  user: process.env.PGUSER ?? process.env.USER ?? userInfo().username,
  ...(process.env.PGPASSWORD ? { password: process.env.PGPASSWORD } : {}),
};
export const pgUrl = `postgres://${encodeURIComponent(pgConnection.user)}${pgConnection.password ? `:${encodeURIComponent(pgConnection.password)}` : ''}@${pgConnection.host}:${pgConnection.port}/${pgConnection.database}`;
export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const redisConnection = (() => {
  const url = new URL(redisUrl);
  return { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
})();

/** A name unique to this case, for schemas, key prefixes and queues. */
export const uniqueName = (base: string): string => `${base}_${process.pid}_${Math.random().toString(36).slice(2, 7)}`;

export const round = (value: number, digits = 1): number => Number(value.toFixed(digits));
export const perSecond = (n: number, ms: number): number => Math.round((n / ms) * 1000);
export const mb = (bytes: number): number => round(bytes / 1024 / 1024);
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function percentile(sortedValues: readonly number[], p: number): number | null {
  if (sortedValues.length === 0) return null;
  const rank = Math.min(sortedValues.length - 1, Math.max(0, Math.ceil((p / 100) * sortedValues.length) - 1));
  return sortedValues[rank] ?? null;
}

export interface Summary { n: number; min: number | null; p50: number | null; p95: number | null; p99: number | null; max: number | null }

export function summary(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => { const v = percentile(sorted, p); return v === null ? null : round(v); };
  return { n: sorted.length, min: at(0), p50: at(50), p95: at(95), p99: at(99), max: at(100) };
}

/** Samples this process's resident set size every 20 ms until stopped; returns the peak in MB. */
export function rssSampler(): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  return {
    stop() {
      clearInterval(timer);
      return mb(Math.max(peak, process.memoryUsage.rss()));
    },
  };
}

/** Runs a collected garbage collection when node was started with --expose-gc (run.ts does). */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** The one JSON line a case prints (run.ts reads the last line starting with `{`). */
export function emit(figures: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ system: args.system, variant: args.variant, scenario: args.scenario, quick: args.quick, ...figures })}\n`);
}

/** Not applicable for this system: printed instead of figures, with the reason. */
export function notApplicable(reason: string): Record<string, unknown> {
  return { na: reason };
}

