import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendar } from '../../src/index.ts';
import { VirtualClock } from '../../src/testing/index.ts';
import { readToken, startAdminFixture, type AdminFixture } from './admin-fixture.ts';

// GET /api/schedules/:id/next against a real SqliteStore and a running scheduler on a virtual clock.
let fx: AdminFixture;
const clock = new VirtualClock(Date.UTC(2026, 2, 2, 12, 0, 0));

async function json<T = Record<string, unknown>>(response: Response, status = 200): Promise<T> {
  const body = (await response.json()) as T;
  expect({ status: response.status, body }).toMatchObject({ status });
  return body;
}

const iso = (fireAtMs: number[]) => fireAtMs.map((ms) => new Date(ms).toISOString());

beforeAll(async () => {
  fx = await startAdminFixture({ clock });
  await fx.scheduler.schedule({
    id: 'invoices',
    task: 'ok',
    trigger: calendar({ months: 1, at: '09:00', tz: 'Europe/Berlin', startAt: '2026-01-31T00:00:00+01:00', endAt: '2026-06-30T23:00:00Z' }),
  });
});
afterAll(async () => {
  await fx?.close();
});

describe('admin API: next fire times', () => {
  it('answers 10 fire times by default, from the next fire, as the nodes compute them', async () => {
    const tick = await json<{ fireAtMs: number[] }>(await fx.call('schedules/tick/next'));
    const schedule = await fx.scheduler.getSchedule('tick');
    expect(tick.fireAtMs).toHaveLength(10);
    expect(tick.fireAtMs[0]).toBe(schedule!.nextFireAtMs);
    expect(tick.fireAtMs.slice(1).map((ms, i) => ms - tick.fireAtMs[i]!)).toEqual(Array(9).fill(10_000));
  });

  it('takes ?count=N and works for the read role', async () => {
    const daily = await json<{ fireAtMs: number[] }>(await fx.call(`schedules/${encodeURIComponent('reports/daily')}/next?count=3`, { token: readToken }));
    // 03:00 in Berlin is 02:00Z in March, until the switch to summer time on 29 March.
    expect(iso(daily.fireAtMs)).toEqual(['2026-03-03T02:00:00.000Z', '2026-03-04T02:00:00.000Z', '2026-03-05T02:00:00.000Z']);
  });

  it('lists a calendar schedule to its end, month ends clamped and across DST', async () => {
    const invoices = await json<{ fireAtMs: number[] }>(await fx.call('schedules/invoices/next?count=100'));
    expect(iso(invoices.fireAtMs)).toEqual([
      '2026-03-31T07:00:00.000Z',
      '2026-04-30T07:00:00.000Z',
      '2026-05-31T07:00:00.000Z',
      '2026-06-30T07:00:00.000Z',
    ]);
  });

  it('rejects a bad count with 400 and an unknown schedule with 404', async () => {
    for (const count of ['0', '101', '-1', '1.5', 'ten', '']) {
      const bad = await json<{ error: { code: string; message: string } }>(await fx.call(`schedules/tick/next?count=${count}`), 400);
      expect(bad.error).toEqual({ code: 'INVALID_ARGUMENT', message: `Expected \`count\` to be an integer from 1 to 100, got ${JSON.stringify(count)}` });
    }
    const missing = await json<{ error: { code: string } }>(await fx.call('schedules/nope/next'), 404);
    expect(missing.error.code).toBe('SCHEDULE_NOT_FOUND');
  });

  it('is documented in the OpenAPI description', async () => {
    const spec = await json<{ paths: Record<string, { get?: { parameters?: Array<{ name: string }> } }> }>(await fx.call('openapi.json'));
    expect(spec.paths['/schedules/{id}/next']?.get?.parameters?.map((p) => p.name)).toEqual(['id', 'count']);
  });
});
