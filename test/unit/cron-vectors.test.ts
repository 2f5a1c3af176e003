import { describe, expect, it } from 'vitest';
import { cron } from '../../src/triggers/cron.ts';
import { firstFireAtMs, nextFireAfterMs } from '../../src/triggers/next-fire.ts';
import { cronDstVectors } from '../vectors/cron-dst-vectors.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('cron DST vectors from the peers’ test suites', () => {
  it('has enough vectors, each with a source, and a reason wherever Sundial differs', () => {
    expect(cronDstVectors.length).toBeGreaterThanOrEqual(40);
    for (const vector of cronDstVectors) {
      expect(vector.source).not.toBe('');
      expect(vector.sundial === undefined).toBe(vector.expectDifferent === undefined);
    }
  });

  it.each(cronDstVectors.map((vector) => [vector.source, vector] as const))('%s', (_source, vector) => {
    const trigger = cron(vector.expr, { tz: vector.tz ?? undefined, dst: vector.dst });
    const want = vector.sundial ?? vector.expected;
    // The first fire as a schedule created at `afterIso` gets it, then one fire at a time.
    const fires: (string | null)[] = [];
    let fireMs = firstFireAtMs(trigger, Date.parse(vector.afterIso));
    fires.push(iso(fireMs));
    while (fires.length < want.length && fireMs !== null) {
      fireMs = nextFireAfterMs(trigger, fireMs, fireMs);
      fires.push(iso(fireMs));
    }
    expect(fires).toEqual(want);
    if (vector.expectDifferent !== undefined) expect(fires).not.toEqual(vector.expected);
  });
});
