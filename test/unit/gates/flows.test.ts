import { afterEach, describe, expect, test } from 'vitest';
import { InvalidArgumentError, task, type ParentJob } from '../../../src/index.ts';
import { createHarness, storeFactories, type Harness } from '../runtime/harness.ts';

describe.each(storeFactories)('flows on the %s store', (_name, makeStore) => {
  let h: Harness;
  afterEach(async () => {
    await h?.scheduler.stop({ timeout: 0 });
  });

  function tasks(seen: Array<{ job: string; parents: readonly ParentJob[] }>, failing = new Set<string>()) {
    return [
      task<string>('step', {
        retry: { attempts: 1 },
        run: ({ data, parents }) => {
          seen.push({ job: data, parents });
          if (failing.has(data)) throw new Error(`${data} failed`);
          return { from: data };
        },
      }),
    ];
  }

  test('fan-in: a step runs after all its parents and reads their results', async () => {
    const seen: Array<{ job: string; parents: readonly ParentJob[] }> = [];
    h = createHarness(makeStore, { tasks: tasks(seen) });
    await h.scheduler.start();
    const flow = await h.scheduler.flow([
      { key: 'report', task: 'step', data: 'report', after: ['ec2', 'rds'] },
      { key: 'ec2', task: 'step', data: 'ec2' },
      { key: 'rds', task: 'step', data: 'rds' },
    ]);
    expect(flow.report!.status).toBe('waiting');
    expect(flow.report!.parents).toEqual([flow.ec2!.id, flow.rds!.id]);
    await h.clock.settle();
    expect(seen.map(({ job }) => job)).toEqual(['ec2', 'rds', 'report']);
    expect(seen[2]!.parents.map(({ id, status, result }) => ({ id, status, result }))).toEqual([
      { id: flow.ec2!.id, status: 'succeeded', result: { from: 'ec2' } },
      { id: flow.rds!.id, status: 'succeeded', result: { from: 'rds' } },
    ]);
    expect((await h.scheduler.getJob(flow.report!.id))?.status).toBe('succeeded');
    expect((await h.scheduler.listJobs({ parentId: flow.ec2!.id })).map(({ id }) => id)).toEqual([flow.report!.id]);
  });

  test("a parent's failure fails its children (and theirs) by default, cancels with 'cancel', is ignored with 'ignore'", async () => {
    const seen: Array<{ job: string; parents: readonly ParentJob[] }> = [];
    h = createHarness(makeStore, { tasks: tasks(seen, new Set(['fetch'])) });
    await h.scheduler.start();
    const flow = await h.scheduler.flow([
      { key: 'fetch', task: 'step', data: 'fetch' },
      { key: 'parse', task: 'step', data: 'parse', after: ['fetch'] },
      { key: 'store', task: 'step', data: 'store', after: ['parse'] },
      { key: 'notify', task: 'step', data: 'notify', after: ['fetch'], onParentFailure: 'cancel' },
      { key: 'cleanup', task: 'step', data: 'cleanup', after: ['fetch'], onParentFailure: 'ignore' },
    ]);
    await h.clock.settle();
    const status = async (key: string) => (await h.scheduler.getJob(flow[key]!.id))!;
    expect((await status('parse')).status).toBe('dead');
    expect((await status('parse')).error?.name).toBe('ParentFailedError');
    expect((await status('store')).status).toBe('dead');
    expect((await status('notify')).status).toBe('cancelled');
    expect((await status('cleanup')).status).toBe('succeeded');
    expect(seen.map(({ job }) => job)).toEqual(['fetch', 'cleanup']);
    expect(seen[1]!.parents[0]).toMatchObject({ status: 'dead', error: { message: 'fetch failed' } });
  });

  test('enqueue({ after }) waits for stored jobs; cancelling a waiting job needs no node', async () => {
    const seen: Array<{ job: string; parents: readonly ParentJob[] }> = [];
    h = createHarness(makeStore, { tasks: tasks(seen) });
    const parent = await h.scheduler.enqueue({ task: 'step', data: 'parent', delay: '1m' });
    const child = await h.scheduler.enqueue({ task: 'step', data: 'child', after: [parent.id] });
    const doomed = await h.scheduler.enqueue({ task: 'step', data: 'doomed', after: [parent.id] });
    expect(child.status).toBe('waiting');
    expect((await h.scheduler.cancelJob(doomed.id))?.status).toBe('cancelled');
    await h.scheduler.start();
    await h.clock.advance('30s');
    expect(seen).toEqual([]);
    await h.clock.advance('31s');
    expect(seen.map(({ job }) => job)).toEqual(['parent', 'child']);
  });

  test('cycles, self-references, unknown parents and bad policies are refused before anything is stored', async () => {
    h = createHarness(makeStore, { tasks: tasks([]) });
    await expect(h.scheduler.flow([{ key: 'a', task: 'step', after: ['b'] }, { key: 'b', task: 'step', after: ['a'] }])).rejects.toThrow(/cycle/);
    await expect(h.scheduler.flow([{ key: 'a', task: 'step', after: ['a'] }])).rejects.toThrow(/itself/);
    await expect(h.scheduler.flow([{ key: 'a', task: 'step' }, { key: 'a', task: 'step' }])).rejects.toThrow(/key "a"/);
    await expect(h.scheduler.enqueue({ task: 'step', after: ['no-such-job'] })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(h.scheduler.flow([{ key: 'a', task: 'step' }, { key: 'b', task: 'step', after: ['a', 'missing'] }])).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(h.scheduler.enqueue({ task: 'step', after: ['x'], onParentFailure: 'explode' as never })).rejects.toThrow(/onParentFailure/);
    await expect(h.scheduler.flow([{ key: 'a', task: 'step', dedupeKey: 'd' }, { key: 'b', task: 'step', after: ['a'] }])).rejects.toThrow(/dedupeKey/);
    expect(await h.scheduler.listJobs()).toEqual([]);
  });
});
