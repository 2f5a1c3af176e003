import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveAdmin, type AdminServer } from '../../src/admin/index.ts';
import { Scheduler, type JobRecord } from '../../src/index.ts';
import { MemoryStore } from '../../src/memory/index.ts';
import { axeViolations, go, hasChromium, launchBrowser, seriousViolations, shot, signIn } from './browser-harness.ts';

// The breakers view and a job's flow graph in headless Chromium, on a memory store. The admin's
// scheduler is a client (it runs nothing), so the flow stays where the test puts it.
const operateToken = 'gates-test-operate-0123456789';
const readToken = 'gates-test-read-0123456789';

let scheduler: Scheduler;
let server: AdminServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
let flow: Record<string, JobRecord>;

describe.skipIf(!hasChromium)('dashboard: breakers and flows', () => {
  beforeAll(async () => {
    const store = new MemoryStore();
    scheduler = new Scheduler({ store, roles: { schedules: false, jobs: false }, nodeId: 'web-1:8231:c0de', logger: 'error' });
    await scheduler.start();
    // Two extracts, a transform after both, a load after the transform; one extract has run.
    flow = await scheduler.flow([
      { key: 'extractOrders', task: 'extract-orders' },
      { key: 'extractRefunds', task: 'extract-refunds' },
      { key: 'transform', task: 'build-ledger', after: ['extractOrders', 'extractRefunds'] },
      { key: 'load', task: 'load-warehouse', after: ['transform'] },
    ]);
    const nowMs = Date.now();
    const [claimed] = await store.claimJobs({ nodeId: 'worker-b:4122:7f3a', nowMs, leaseMs: 30_000, limit: 1, tasks: ['extract-orders'] });
    await store.completeJobs([{ jobId: claimed!.id, fencingToken: claimed!.fencingToken, nowMs: nowMs + 5, completion: { status: 'succeeded', result: { rows: 1200 } } }]);
    // An automatic breaker, closed, as a node would have left it.
    await scheduler.forceBreaker('charge-card', null);
    server = await serveAdmin({
      scheduler,
      auth: { tokens: [{ token: operateToken, role: 'operate' }, { token: readToken, role: 'read' }] },
      port: 0,
      eventPollIntervalMs: 100,
    });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await scheduler?.stop({ timeout: '2s' });
  });

  it('lists the breakers, forces one open with its button (red badge), and shows changes from elsewhere live', async () => {
    await signIn(page, server.url, operateToken);
    await page.locator('nav a[data-view="breakers"]').click();
    const row = page.locator('main[data-view="breakers"] tr[data-task="charge-card"]');
    await row.waitFor();
    expect(await row.locator('.badge-breaker-closed').textContent()).toBe('closed');
    // Automatic and closed already: only the two forces are offered.
    expect(await row.locator('button[data-action]').allTextContents()).toEqual(['Force open', 'Force closed']);

    page.once('dialog', (dialog) => void dialog.accept());
    await row.locator('button[data-action="force open"]').click();
    await row.locator('.badge-breaker-open').waitFor();
    expect(await row.locator('[data-flag="forced"]').textContent()).toBe('forced open');
    expect(await row.locator('button[data-action]').allTextContents()).toEqual(['Force closed', 'Automatic']);
    expect((await scheduler.breakers()).find((b) => b.task === 'charge-card')).toMatchObject({ state: 'open', forced: 'open' });

    // Another node's (here: the API's) change reaches the open view through the event stream.
    await expect.poll(() => page.textContent('#live-text')).toBe('live');
    await scheduler.forceBreaker('geocode', 'open');
    await page.locator('tr[data-task="geocode"] .badge-breaker-open').waitFor({ timeout: 10_000 });
    await shot(page, 'breakers');
    expect(seriousViolations(await axeViolations(page))).toEqual([]);

    await row.locator('button[data-action="automatic"]').click();
    await row.locator('.badge-breaker-closed').waitFor();
    expect(await row.locator('[data-flag="forced"]').count()).toBe(0);
  });

  it('shows a read-only session the breakers but no button', async () => {
    const context = await browser.newContext();
    const viewer = await context.newPage();
    try {
      await signIn(viewer, server.url, readToken);
      await go(viewer, '#/breakers');
      await viewer.locator('tr[data-task="geocode"] .badge-breaker-open').waitFor();
      expect(await viewer.locator('main button[data-action]').count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it("draws a job's flow in layered columns: parents left, the job highlighted, each node a link", async () => {
    const transform = flow['transform']!;
    await go(page, `#/jobs/${transform.id}`);
    const graph = page.locator('main [data-section="flow"] svg.flow');
    await graph.waitFor();
    const node = (key: string) => graph.locator(`a.flow-node[data-job="${flow[key]!.id}"]`);
    expect(await graph.locator('a.flow-node').count()).toBe(4);
    expect(await node('transform').getAttribute('class')).toContain('current');
    expect(await node('extractOrders').textContent()).toContain('extract-orders');
    expect(await node('extractOrders').locator('.badge-succeeded').count()).toBe(1);
    expect(await node('extractRefunds').locator('.badge-queued').count()).toBe(1);
    expect(await node('transform').locator('.badge-waiting').count()).toBe(1);
    expect(await node('load').locator('.badge-waiting').count()).toBe(1);
    // Columns by depth: both parents in the first, the job in the second, its child in the third.
    const column = async (key: string) => Number(await graph.locator(`foreignObject:has(a[data-job="${flow[key]!.id}"])`).getAttribute('x'));
    expect(await column('extractOrders')).toBe(await column('extractRefunds'));
    expect(await column('transform')).toBeGreaterThan(await column('extractOrders'));
    expect(await column('load')).toBeGreaterThan(await column('transform'));
    expect(await graph.locator('path.flow-edge').count()).toBe(3);
    expect(await graph.locator(`path.flow-edge.done[data-edge="${flow['extractOrders']!.id}>${transform.id}"]`).count()).toBe(1);
    expect(await graph.locator(`path.flow-edge.pending[data-edge="${flow['extractRefunds']!.id}>${transform.id}"]`).count()).toBe(1);
    await shot(page, 'job-flow');
    expect(seriousViolations(await axeViolations(page))).toEqual([]);

    await node('extractRefunds').click();
    await page.locator(`main [data-section="flow"] a.flow-node.current[data-job="${flow['extractRefunds']!.id}"]`).waitFor();
  });

  it('gives waiting its own badge and status filter in the jobs list', async () => {
    await go(page, '#/jobs?status=waiting');
    await page.locator('main .chip.active', { hasText: 'waiting' }).waitFor();
    await page.locator(`tr[data-id="${flow['load']!.id}"] .badge-waiting`).waitFor();
    expect(new Set(await page.locator('main tbody .badge').allTextContents())).toEqual(new Set(['waiting']));
    expect(await page.locator('main tbody tr').count()).toBe(2);
    expect(pageErrors).toEqual([]);
  });
});
