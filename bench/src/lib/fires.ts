// Misses and duplicates of recurring fires per (schedule, fire time) inside a window.
import { round, summary, type Summary } from './common.ts';
import type { StartEvent } from './system.ts';

export interface FireAnalysis {
  schedules: number;
  expectedFires: number;
  observedFires: number;
  missed: number;
  duplicates: number;
  latenessMs: Summary;
}

/**
 * Every schedule should fire once at each multiple of `everyMs` (from its own anchor) inside
 * [fromMs, toMs). The anchor is taken from the first fire seen; a schedule never seen counts
 * all its fires as missed.
 */
export function analyseFires(events: readonly StartEvent[], ids: readonly string[], everyMs: number, fromMs: number, toMs: number): FireAnalysis {
  const byKey = new Map<string, Map<number, number>>();
  const lateness: number[] = [];
  for (const event of events) {
    if (event.intendedAtMs === null || event.intendedAtMs < fromMs || event.intendedAtMs >= toMs) continue;
    const fires = byKey.get(event.key) ?? new Map<number, number>();
    byKey.set(event.key, fires);
    fires.set(event.intendedAtMs, (fires.get(event.intendedAtMs) ?? 0) + 1);
    lateness.push(event.startedAtMs - event.intendedAtMs);
  }
  let expected = 0;
  let missed = 0;
  let duplicates = 0;
  let observed = 0;
  for (const id of ids) {
    const fires = byKey.get(id);
    const anchor = fires && fires.size > 0 ? Math.min(...fires.keys()) % everyMs : fromMs % everyMs;
    const first = Math.ceil((fromMs - anchor) / everyMs) * everyMs + anchor;
    for (let t = first; t < toMs; t += everyMs) {
      expected++;
      const seen = fires?.get(t) ?? 0;
      if (seen === 0) missed++;
      else { observed++; duplicates += seen - 1; }
    }
  }
  return { schedules: ids.length, expectedFires: expected, observedFires: observed, missed, duplicates, latenessMs: summary(lateness.map((v) => round(v))) };
}
