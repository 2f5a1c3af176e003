import { describe, expect, test, vi } from 'vitest';
import type { TriggerSpec } from '../../src/domain/trigger.ts';

// triggerProblem runs on every read of a schedule, so it remembers which (expression, zone, dst
// policy) it found valid instead of checking the cron expression again through cron(). No answer
// changes with that memory (see record-shapes.test.ts); what does is how often an expression is
// checked, counted here by wrapping cron().

const checked = vi.hoisted(() => ({ exprs: [] as string[] }));

vi.mock('../../src/triggers/cron.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/triggers/cron.ts')>();
  return {
    ...actual,
    cron: (...args: Parameters<typeof actual.cron>) => {
      checked.exprs.push(args[0]);
      return actual.cron(...args);
    },
  };
});

/** triggerProblem with nothing remembered (the module loaded anew), and the cron checks counted from now. */
async function freshTriggerProblem() {
  vi.resetModules();
  const { cron } = await import('../../src/triggers/cron.ts');
  const { triggerProblem } = await import('../../src/domain/record-shapes.ts');
  checked.exprs.length = 0;
  return { cron, triggerProblem };
}

const t0 = Date.UTC(2026, 0, 1);

describe('triggerProblem remembers valid cron expressions', () => {
  test('checks an expression once per zone and dst policy, then only its fields', async () => {
    const { cron, triggerProblem } = await freshTriggerProblem();
    const berlin = cron('0 3 * * *', { tz: 'Europe/Berlin', dst: 'strict' });
    checked.exprs.length = 0;
    expect(triggerProblem(berlin)).toBeNull();
    expect(checked.exprs).toEqual(['0 3 * * *']);
    expect(triggerProblem({ ...berlin, jitterMs: 1_000, startAtMs: t0 })).toBeNull();
    // A spec stored before the window and jitter existed lacks them: read as none.
    const { startAtMs: _s, endAtMs: _e, jitterMs: _j, ...sparse } = berlin;
    expect(triggerProblem(sparse)).toBeNull();
    expect(triggerProblem({ ...berlin, endAtMs: 'never' })).toBe('Expected trigger.endAtMs to be a finite number, got never');
    expect(checked.exprs).toEqual(['0 3 * * *']);
    // Another zone or policy is another verdict.
    expect(triggerProblem({ ...berlin, tz: 'Asia/Tokyo' })).toBeNull();
    expect(triggerProblem({ ...berlin, dst: 'vixie' })).toBeNull();
    expect(checked.exprs).toEqual(['0 3 * * *', '0 3 * * *', '0 3 * * *']);
  });

  test('remembers every valid expression, not only the last one', async () => {
    const { cron, triggerProblem } = await freshTriggerProblem();
    const a = cron('0 4 * * *');
    const b = cron('0 5 * * *');
    checked.exprs.length = 0;
    for (const trigger of [a, b, a, b, a]) expect(triggerProblem(trigger)).toBeNull();
    expect(checked.exprs).toEqual(['0 4 * * *', '0 5 * * *']);
  });

  test('does not remember a refusal, nor a trigger of another type', async () => {
    const { cron, triggerProblem } = await freshTriggerProblem();
    // Refused for its window, not its expression: the next read must check the window again.
    const inverted: TriggerSpec = { ...cron('0 6 * * *'), startAtMs: t0 + 1e9, endAtMs: t0 };
    checked.exprs.length = 0;
    const problem = triggerProblem(inverted);
    expect(problem).not.toBeNull();
    expect(triggerProblem(inverted)).toBe(problem);
    expect(checked.exprs).toEqual(['0 6 * * *', '0 6 * * *']);
    // An interval trigger is checked in full each time (it has no expression to parse).
    const interval = { type: 'interval', everyMs: 60_000, startAtMs: null, endAtMs: null, jitterMs: 0, expr: '0 6 * * *' };
    expect(triggerProblem(interval)).toBeNull();
    expect(triggerProblem({ ...interval, everyMs: 0 })).toBe('Expected trigger.everyMs to be positive, got 0');
  });

  test('forgets everything once 1,000 expressions are remembered (a bound, not a leak)', async () => {
    const { cron, triggerProblem } = await freshTriggerProblem();
    const exprs = Array.from({ length: 1_001 }, (_, i) => `${i % 60} ${Math.floor(i / 60)} * * *`);
    const specs = exprs.map((expr) => cron(expr));
    checked.exprs.length = 0;
    for (const spec of specs.slice(0, 1_000)) expect(triggerProblem(spec)).toBeNull();
    expect(checked.exprs).toHaveLength(1_000);
    // Full, but the first is still remembered.
    expect(triggerProblem(specs[0])).toBeNull();
    expect(checked.exprs).toHaveLength(1_000);
    // One more: everything is forgotten to make room for it.
    expect(triggerProblem(specs[1_000])).toBeNull();
    expect(triggerProblem(specs[1_000])).toBeNull();
    expect(triggerProblem(specs[0])).toBeNull();
    expect(checked.exprs.slice(1_000)).toEqual([exprs[1_000], exprs[0]]);
  });
});
