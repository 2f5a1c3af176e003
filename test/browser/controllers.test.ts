import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveAdmin, type AdminServer } from '../../src/admin/index.ts';
import { Controller, LeaderElector, controller } from '../../src/controllers/index.ts';
import { NonRetryableError, Scheduler, silentLogger, task } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';
import { axeViolations, go, hasChromium, launchBrowser, seriousViolations, shot, signIn } from './browser-harness.ts';

// The controllers view in headless Chromium, against real nodes on one SQLite file: a controller
// node that leads an election, runs two controllers (publishing their status) and serves the
// commands' queue, and an API node (the admin's scheduler) that registers the commands but never
// runs them.
const operateToken = 'controllers-test-operate-0123456789';
const readToken = 'controllers-test-read-0123456789';
const controllerNode = 'controller-1:5120:9e1f';

const commands = [
  task('register-license', { queue: 'worker-controller', run: ({ data }) => ({ workerId: (data as { workerId: string }).workerId, license: 'LIC-2026-0042' }) }),
  task('refresh-worker', {
    queue: 'worker-controller',
    run: ({ data }) => {
      throw new NonRetryableError(`worker ${(data as { workerId: string }).workerId} was terminated by the cloud`);
    },
  }),
];
/** Registered on the API node only (and in another queue): no live node runs it. */
const rotateKeys = task('rotate-keys', { queue: 'maintenance', run: () => null });

let dir: string;
const stores: SqliteStore[] = [];
let worker: Scheduler;
let api: Scheduler;
let elector: LeaderElector;
const controllers: Controller[] = [];
let server: AdminServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

function openStore(): SqliteStore {
  const store = new SqliteStore(join(dir, 'controllers.db'));
  stores.push(store);
  return store;
}

describe.skipIf(!hasChromium)('dashboard: controllers', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sundial-controllers-'));
    const store = openStore();
    worker = new Scheduler({ store, tasks: commands, queues: ['worker-controller'], nodeId: controllerNode, logger: 'error', pollInterval: '100ms' });
    await worker.start();
    // An election whose leader stopped renewing a while ago, next to the live one.
    await store.acquireLeadership({ name: 'billing-sync', nodeId: 'billing-2:7781:a1b2', nowMs: Date.now() - 95_000, leaseMs: 5_000, observedVersion: null });
    elector = new LeaderElector({ store, name: 'worker-controller', nodeId: controllerNode, lease: '5s' });
    await elector.start();
    await elector.whenLeading();
    const workerIds = ['w-01', 'w-02', 'w-03', 'w-04', 'w-05', 'w-06', 'w-07', 'w-broken', 'w-quota'];
    controllers.push(
      controller({
        name: 'workers',
        store,
        nodeId: controllerNode,
        publishStatusEvery: '200ms',
        maxConcurrent: 4,
        logger: silentLogger,
        list: () => workerIds,
        async reconcile(key) {
          await new Promise((resolve) => setTimeout(resolve, 3 + (key.length % 5)));
          if (key === 'w-broken') throw new Error('cloud API answered 503 Service Unavailable');
          if (key === 'w-quota') throw new Error('metrics quota exceeded for project sundial-prod');
          return { requeueAfter: '2s' };
        },
      }),
      controller({
        name: 'licenses',
        store,
        nodeId: controllerNode,
        publishStatusEvery: '200ms',
        logger: silentLogger,
        list: () => ['w-01', 'w-02', 'w-03'],
        reconcile: () => ({ requeueAfter: '3s' }),
      }),
    );
    for (const c of controllers) await c.start();

    api = new Scheduler({ store: openStore(), tasks: [...commands, rotateKeys], queues: ['api'], nodeId: 'api-1:4410:77aa', logger: 'error', pollInterval: '100ms' });
    await api.start();
    server = await serveAdmin({
      scheduler: api,
      auth: { tokens: [{ token: operateToken, role: 'operate' }, { token: readToken, role: 'read' }] },
      port: 0,
      eventPollIntervalMs: 100,
    });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1360, height: 1040 }, colorScheme: 'light' });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    for (const c of controllers) await c.stop();
    await elector?.stop();
    await api?.stop({ timeout: '2s' });
    await worker?.stop({ timeout: '2s' });
    for (const store of stores) await store.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the leaders, a stale one flagged, and the controllers as their node reports them', async () => {
    await signIn(page, server.url, operateToken);
    await page.locator('nav a[data-view="controllers"]').click();
    await page.locator('main[data-view="controllers"]').waitFor();

    const live = page.locator('tr[data-election="worker-controller"]');
    await live.waitFor();
    expect(await live.textContent()).toContain(controllerNode);
    expect(await live.locator('.badge').textContent()).toBe('leading');
    const stale = page.locator('tr[data-election="billing-sync"]');
    expect(await stale.textContent()).toContain('billing-2:7781:a1b2');
    expect(await stale.locator('[data-flag="stale"]').textContent()).toBe('stale');
    expect(await stale.textContent()).toMatch(/1m \d{1,2}s ago/);

    // Statuses come every 200 ms here; the view polls every 2 s: no reload needed.
    const workers = page.locator('tr[data-controller="workers"]');
    await workers.waitFor({ timeout: 10_000 });
    await page.locator('tr[data-controller="licenses"]').waitFor({ timeout: 10_000 });
    expect(await workers.textContent()).toContain(controllerNode);
    expect(await workers.locator('.badge-running').count()).toBe(1);
    expect(await workers.locator('[data-flag="stale"]').count()).toBe(0);
    await expect.poll(() => workers.locator('[data-action="errors"]').textContent(), { timeout: 10_000 }).toContain('2 keys');

    await workers.locator('[data-action="errors"]').click();
    const details = page.locator('tr[data-errors-of="workers"]');
    await details.waitFor();
    expect(await details.locator('li[data-key="w-broken"]').textContent()).toContain('Error: cloud API answered 503 Service Unavailable');
    expect(await details.locator('li[data-key="w-quota"]').textContent()).toContain('metrics quota exceeded');
    // Unfolded stays unfolded across the view's own refreshes.
    const rendered = await page.locator('main').getAttribute('data-rendered');
    await page.waitForTimeout(2_500);
    await details.waitFor();
    expect(await page.locator('main').getAttribute('data-rendered')).toBe(rendered);
  });

  it('sends a command from the form and shows its result, then a failing one and its error, as their events arrive', async () => {
    const form = page.locator('form[data-form="command"]');
    const send = form.locator('button[data-action="send"]');
    // A task no live node runs is marked as such.
    expect(await form.locator('option[value="rotate-keys"]').textContent()).toBe('rotate-keys · no live node');
    await form.locator('#command-task').selectOption('rotate-keys');
    expect(await form.locator('#command-task-hint').textContent()).toContain('No live node runs this task');

    await form.locator('#command-task').selectOption('register-license');
    await form.locator('#command-data').fill('{ "workerId": "w-07"');
    expect(await form.locator('#command-data-hint').textContent()).toContain('Not JSON');
    expect(await send.isDisabled()).toBe(true);
    await form.locator('#command-data').fill('{ "workerId": "w-07" }');
    expect(await send.isDisabled()).toBe(false);
    const rendered = await page.locator('main').getAttribute('data-rendered');
    await send.click();

    const first = page.locator('.sent-list li').first();
    await expect.poll(() => first.getAttribute('data-status'), { timeout: 10_000 }).toBe('succeeded');
    // The job's events updated the sent list in place: the view (and the form) was not re-rendered,
    // which other views are, 300 ms after an event.
    await page.waitForTimeout(800);
    expect(await page.locator('main').getAttribute('data-rendered')).toBe(rendered);
    expect(JSON.parse((await first.locator('[data-field="result"]').textContent())!)).toEqual({ workerId: 'w-07', license: 'LIC-2026-0042' });
    const jobId = (await first.getAttribute('data-job'))!;
    expect((await api.getJob(jobId))!.attempts.map((attempt) => attempt.nodeId)).toEqual([controllerNode]);

    await form.locator('#command-task').selectOption('refresh-worker');
    await form.locator('#command-data').fill('{ "workerId": "w-03" }');
    await send.click();
    const second = page.locator('.sent-list li').first();
    await expect.poll(() => second.getAttribute('data-status'), { timeout: 10_000 }).toBe('dead');
    expect(await second.locator('[data-field="error"]').textContent()).toBe('NonRetryableError: worker w-03 was terminated by the cloud');
    expect(await page.locator('.sent-list li').count()).toBe(2);

    await form.locator('#command-task').selectOption('register-license');
    await form.locator('#command-data').fill('{\n  "workerId": "w-08"\n}');
    await page.locator('#toast').waitFor({ state: 'hidden', timeout: 10_000 });
    await form.locator('#command-data').blur();
    await page.locator('main h1').scrollIntoViewIfNeeded();
    await shot(page, 'controllers');
    expect(seriousViolations(await axeViolations(page))).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('shows a read-only session the tables but no command form', async () => {
    const context = await browser.newContext();
    const viewer = await context.newPage();
    try {
      await signIn(viewer, server.url, readToken);
      await go(viewer, '#/controllers');
      await viewer.locator('tr[data-controller="workers"]').waitFor();
      await viewer.locator('tr[data-election="worker-controller"]').waitFor();
      expect(await viewer.textContent('#role')).toBe('read only');
      expect(await viewer.locator('form[data-form="command"]').count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
