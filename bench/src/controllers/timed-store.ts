// A store wrapped so that a process of the round-trip benchmark knows when each of its store
// calls ran and when each wake-up arrived, on the shared wall clock (stores.ts `wallNow`). The
// cost is two clock reads and one array push per call: negligible next to a round trip.
import type { Store, StoreSignal } from '../../../src/store/store.ts';
import { wallNow } from './stores.ts';

export interface Call {
  method: string;
  start: number;
  end: number;
  /** Items handed in (jobs enqueued, completions, events appended), or answered (events read, jobs claimed). */
  items: number;
}

export interface Timed {
  store: Store;
  calls: Call[];
  /** Each wake-up signal as it reached this process (once per signal, whatever the number of subscribers). */
  signals: { signal: StoreSignal; at: number }[];
}

type Hook = (method: string, callArgs: unknown[], result: unknown, start: number, end: number) => void;

const itemsOf = (method: string, callArgs: unknown[], result: unknown): number => {
  const first = callArgs[0];
  if (method === 'readEvents') return (result as { events: unknown[] }).events.length;
  if (method === 'completeAndClaim') {
    const request = first as { completions: unknown[] };
    return request.completions.length + (result as { claimed: unknown[] }).claimed.length;
  }
  if (Array.isArray(first)) return first.length;
  return Array.isArray(result) ? result.length : 0;
};

/** Wraps `store`; `hook` sees every resolved call (to pick out the commands' own calls). */
export function timedStore(store: Store, hook: Hook = () => {}): Timed {
  const calls: Call[] = [];
  const signals: Timed['signals'] = [];
  let subscribers = 0;
  const wrapped = new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      if (property === 'subscribe') {
        return (listener: (signal: StoreSignal) => void) => {
          const recorder = subscribers++ === 0;
          return (value as Store['subscribe'])!.call(target, (signal) => {
            if (recorder) signals.push({ signal, at: wallNow() });
            listener(signal);
          });
        };
      }
      return (...callArgs: unknown[]) => {
        const start = wallNow();
        const result = (value as (...a: unknown[]) => unknown).apply(target, callArgs);
        if (!(result instanceof Promise)) return result;
        return result.then((resolved: unknown) => {
          const end = wallNow();
          calls.push({ method: property, start, end, items: itemsOf(property, callArgs, resolved) });
          hook(property, callArgs, resolved, start, end);
          return resolved;
        });
      };
    },
  });
  return { store: wrapped, calls, signals };
}

/** Per store method, over the calls that started in [from, to]: count, rate, mean and total time, items. */
export function callSummary(calls: readonly Call[], from: number, to: number): Record<string, { calls: number; perSecond: number; meanMs: number; totalMs: number; items: number }> {
  const seconds = (to - from) / 1000;
  const out: Record<string, { calls: number; perSecond: number; meanMs: number; totalMs: number; items: number }> = {};
  for (const call of calls) {
    if (call.start < from || call.start > to) continue;
    const entry = (out[call.method] ??= { calls: 0, perSecond: 0, meanMs: 0, totalMs: 0, items: 0 });
    entry.calls++;
    entry.totalMs += call.end - call.start;
    entry.items += call.items;
  }
  for (const entry of Object.values(out)) {
    entry.perSecond = Math.round((entry.calls / seconds) * 10) / 10;
    entry.meanMs = Math.round((entry.totalMs / entry.calls) * 100) / 100;
    entry.totalMs = Math.round(entry.totalMs);
  }
  return out;
}
