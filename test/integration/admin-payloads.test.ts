import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { every, type JobRecord, type ScheduleRecord } from '../../src/index.ts';
import { VirtualClock } from '../../src/testing/index.ts';
import { startAdminFixture, type AdminFixture } from './admin-fixture.ts';

// Listings show a preview of each payload and its size; details show it whole. The scheduler's
// `maxPayloadBytes` is set for the test (64 KiB), and the admin's body limit raised above it, so
// the API itself refuses a payload over it.
const limitBytes = 64 * 1024;
let fx: AdminFixture;
const clock = new VirtualClock(Date.UTC(2026, 2, 2, 12, 0, 0));

type Listed = { dataBytes: number; dataTruncated: boolean; resultBytes?: number; resultTruncated?: boolean; data: unknown; result?: unknown };

async function json<T>(response: Response, status = 200): Promise<T> {
  const body = (await response.json()) as T;
  expect({ status: response.status, body }).toMatchObject({ status });
  return body;
}

/** A payload of about `bytes` bytes of JSON, with multi-byte characters (counted as UTF-8 bytes). */
function payloadOf(bytes: number): { note: string; rows: string[] } {
  return { note: 'é—😀', rows: Array.from({ length: Math.ceil(bytes / 100) }, (_, i) => `row ${i} `.padEnd(96, 'x')) };
}

const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

beforeAll(async () => {
  fx = await startAdminFixture({ clock, scheduler: { maxPayloadBytes: limitBytes }, admin: { maxBodyBytes: 256 * 1024 } });
});
afterAll(async () => {
  await fx?.close();
});

describe('admin API: payloads', () => {
  it('lists a job with a preview of its data and result and their sizes; the detail has them whole', async () => {
    const data = payloadOf(20_000);
    const done = fx.scheduler.waitFor('job.succeeded', (event) => event.job.data !== null && (event.job.data as { note?: string }).note === 'é—😀');
    const job = await fx.scheduler.enqueue({ task: 'ok', data });
    await clock.advance('1s');
    await done;

    const list = await json<{ items: (JobRecord & Listed)[] }>(await fx.call('jobs?task=ok'));
    const listed = list.items.find((item) => item.id === job.id)!;
    expect(listed.dataTruncated).toBe(true);
    expect(listed.dataBytes).toBe(bytesOf(data));
    expect(typeof listed.data).toBe('string');
    expect(listed.data).toBe(`${JSON.stringify(data).slice(0, 200)}…`);
    expect(listed.resultTruncated).toBe(true);
    expect(listed.resultBytes).toBe(bytesOf({ echoed: data }));
    expect(JSON.stringify(list).length).toBeLessThan(5_000);

    const detail = await json<JobRecord>(await fx.call(`jobs/${job.id}`));
    expect(detail.data).toEqual(data);
    expect(detail.result).toEqual({ echoed: data });
  });

  it('lists a small payload whole, with its size', async () => {
    const job = await fx.scheduler.enqueue({ task: 'ok', data: { n: 'é' }, delay: '1h' });
    const list = await json<{ items: (JobRecord & Listed)[] }>(await fx.call('jobs?status=queued'));
    expect(list.items.find((item) => item.id === job.id)).toMatchObject({ data: { n: 'é' }, dataBytes: 10, dataTruncated: false, result: null, resultBytes: 4, resultTruncated: false });
  });

  it('lists a schedule with a preview of its data; the detail has it whole', async () => {
    const data = payloadOf(10_000);
    await fx.scheduler.schedule({ id: 'big-data', task: 'ok', trigger: every('1h'), data, paused: true });
    const list = await json<{ items: (ScheduleRecord & Listed)[] }>(await fx.call('schedules?idPrefix=big-'));
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ id: 'big-data', dataBytes: bytesOf(data), dataTruncated: true });
    expect((list.items[0]!.data as string).length).toBe(201);

    const detail = await json<ScheduleRecord>(await fx.call('schedules/big-data'));
    expect(detail.data).toEqual(data);
  });

  it('refuses a payload over `maxPayloadBytes` with 413 PAYLOAD_TOO_LARGE, storing nothing', async () => {
    const before = (await fx.scheduler.listJobs({ task: 'ok', limit: 1000 })).length;
    const response = await fx.call('jobs', {
      method: 'POST',
      body: JSON.stringify({ task: 'ok', data: payloadOf(limitBytes + 1_000) }),
      headers: { 'content-type': 'application/json' },
    });
    const body = await json<{ error: { code: string; message: string } }>(response, 413);
    expect(body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(body.error.message).toContain('over the limit of 65,536 bytes');
    expect(body.error.message).toContain('maxPayloadBytes');
    expect((await fx.scheduler.listJobs({ task: 'ok', limit: 1000 })).length).toBe(before);
  });

  it('stores a result over `maxPayloadBytes` as null (the job still succeeds)', async () => {
    // The data fits; the handler's result ({ echoed: data }) is 11 bytes larger and does not.
    const base = payloadOf(limitBytes - 400);
    const data = { ...base, pad: 'y'.repeat(limitBytes - bytesOf({ ...base, pad: '' })) };
    expect(bytesOf(data)).toBe(limitBytes);
    const done = fx.scheduler.waitFor('job.succeeded', (event) => (event.job.data as { pad?: string } | null)?.pad !== undefined);
    const job = await fx.scheduler.enqueue({ task: 'ok', data });
    await clock.advance('1s');
    await done;
    const detail = await json<JobRecord>(await fx.call(`jobs/${job.id}`));
    expect(detail.status).toBe('succeeded');
    expect(detail.result).toBeNull();
  });
});
