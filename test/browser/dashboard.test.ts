import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveAdmin, type AdminServer } from '../../src/admin/index.ts';
import { NonRetryableError, Scheduler, cron, every, task, type JobSnapshot } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';
import { go as goTo, hasChromium, launchBrowser, screenshotDir, shot as shotOf, updateScreenshots, type PageGlobals } from './browser-harness.ts';
import { seedHistory } from './dashboard-seed.ts';

// The dashboard in headless Chromium against a real scheduler and admin server on SQLite.
const token = 'dashboard-test-token-0123456789';

let dir: string;
let scheduler: Scheduler;
let server: AdminServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
/** The flaky task fails (non-retryably) until the operator retries it. */
let flakyShouldFail = true;

function shot(name: string): Promise<void> {
  return shotOf(page, name);
}

/** The dashboard's session cookie, as the browser holds it. */
async function sessionCookie(): Promise<{ value: string; httpOnly: boolean; sameSite: string; path: string }> {
  const cookie = (await page.context().cookies(new URL('api/events', server.url).href)).find((c) => c.name === 'sundial_session');
  if (!cookie) throw new Error('The browser holds no sundial_session cookie');
  return cookie;
}

function go(hash: string): Promise<void> {
  return goTo(page, hash);
}

describe.skipIf(!hasChromium)('dashboard', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sundial-dashboard-'));
    const store = new SqliteStore(join(dir, 'dashboard.db'));
    await store.open();
    await seedHistory(store, Date.now());
    const tasks = [
      task('send-digest', { run: () => ({ sent: 3 }) }),
      task('sync-inventory', { run: () => ({ synced: 120 }) }),
      task('charge-renewals', {
        retry: { attempts: 1 },
        run: () => {
          if (flakyShouldFail) throw new NonRetryableError('card processor declined: insufficient funds');
          return { charged: 1 };
        },
      }),
      task('heartbeat', { run: () => null }),
    ];
    scheduler = new Scheduler({ store, tasks, nodeId: 'web-1:8231:c0de', logger: 'error', pollInterval: '100ms' });
    await scheduler.start();
    await scheduler.schedule({ id: 'heartbeat', task: 'heartbeat', trigger: every('1s') });
    await scheduler.schedule({ id: 'nightly-digest', task: 'send-digest', trigger: cron('0 3 * * *', { tz: 'Europe/Berlin' }) });
    await scheduler.schedule({ id: 'inventory-sync', task: 'sync-inventory', trigger: every('5m') });
    await scheduler.schedule({ id: 'renewals/monthly', task: 'charge-renewals', trigger: cron('0 9 1 * *'), paused: true });
    server = await serveAdmin({ scheduler, auth: { tokens: [{ token, role: 'operate' }] }, port: 0, eventPollIntervalMs: 200 });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await scheduler?.stop({ timeout: '2s' });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('asks for a token, then shows the overview with charts, queue depth and nodes', async () => {
    await page.goto(server.url);
    await page.locator('#login').waitFor();
    await page.fill('#login-token', 'wrong-token-but-long-enough');
    await page.click('#login button[type=submit]');
    await expect.poll(() => page.textContent('#login-error')).toContain('not valid');
    await page.fill('#login-token', token);
    await page.click('#login button[type=submit]');
    await page.locator('main[data-view="overview"] svg.chart').first().waitFor();
    await expect.poll(() => page.textContent('#live-text')).toBe('live');
    // The event stream's cookie is an opaque session, never the token.
    const cookie = await sessionCookie();
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api' });
    expect(cookie.value).toMatch(/^v1\./);
    expect(cookie.value).not.toContain(token);
    const text = await page.textContent('main');
    expect(text).toContain('Throughput');
    expect(text).toContain('Queue depth');
    expect(text).toContain('Nodes alive');
    expect(await page.locator('svg.chart rect.fill-succeeded').count()).toBeGreaterThan(30);
    await shot('overview');
    if (updateScreenshots) {
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.screenshot({ path: join(screenshotDir, 'overview-dark.png') });
      await page.emulateMedia({ colorScheme: 'light' });
    }
  });

  it('updates a schedule live as it fires, without a reload', async () => {
    await page.evaluate(() => void ((globalThis as unknown as PageGlobals).marker = 42));
    await go('#/schedules');
    const fired = page.locator('tr[data-id="heartbeat"] [data-field="fired"]');
    const before = Number(await fired.textContent());
    await expect.poll(async () => Number(await fired.textContent()), { timeout: 15_000 }).toBeGreaterThan(before);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).marker)).toBe(42);
  });

  it('makes a new session with its token when the server ends the old one, and stays live', async () => {
    const before = await sessionCookie();
    // Sign the page's session out from outside, as a copy of its cookie could: its stream ends.
    const signOut = await fetch(new URL('api/session', server.url), { method: 'DELETE', headers: { cookie: `sundial_session=${before.value}`, 'x-sundial-csrf': '1' } });
    expect(signOut.status).toBe(200);
    await expect.poll(async () => (await sessionCookie()).value, { timeout: 15_000 }).not.toBe(before.value);
    await expect.poll(() => page.textContent('#live-text'), { timeout: 15_000 }).toBe('live');
    const fired = page.locator('tr[data-id="heartbeat"] [data-field="fired"]');
    const count = Number(await fired.textContent());
    await expect.poll(async () => Number(await fired.textContent()), { timeout: 15_000 }).toBeGreaterThan(count);
  });

  it('opens read-only in a second tab, which has the session cookie but not the token', async () => {
    // Another tab shares the cookie jar but not sessionStorage: a new context with the same cookies.
    const context = await browser.newContext();
    await context.addCookies(await page.context().cookies());
    const second = await context.newPage();
    try {
      await second.goto(`${server.url}#/schedules`);
      await second.locator('main[data-view="schedules"] tr[data-id="heartbeat"]').waitFor();
      expect(await second.textContent('#role')).toBe('read only');
      expect(await second.locator('main button[data-action]').count()).toBe(0);
      await expect.poll(() => second.textContent('#live-text')).toBe('live');
    } finally {
      await context.close();
    }
  });

  it('pauses a schedule (the badge appears) and triggers one', async () => {
    const row = page.locator('tr[data-id="heartbeat"]');
    await row.locator('button[data-action="pause"]').click();
    await row.locator('.badge-paused').waitFor();
    expect((await scheduler.getSchedule('heartbeat'))!.paused).toBe(true);

    const triggered = scheduler.waitFor('job.succeeded', (e) => e.job.scheduleId === 'inventory-sync' && e.job.origin === 'manual');
    await page.locator('tr[data-id="inventory-sync"] button[data-action="trigger"]').click();
    await triggered;
    await expect.poll(() => page.textContent('#toast')).toContain('Triggered inventory-sync');
    await expect.poll(() => page.textContent('tr[data-id="inventory-sync"] [data-field="fired"]')).toBe('0');
    await shot('schedules');
  });

  let deadJob: JobSnapshot;

  it('shows a dead job in the dead letters, and Retry makes it succeed', async () => {
    const died = scheduler.waitFor('job.dead', (e) => e.job.task === 'charge-renewals');
    await page.locator('tr[data-id="renewals/monthly"] button[data-action="trigger"]').click();
    deadJob = (await died).job;
    await go('#/dead');
    const row = page.locator(`tr[data-id="${deadJob.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('card processor declined');
    await expect.poll(() => page.textContent('#dead-count')).not.toBe('');
    await shot('dead-letters');

    flakyShouldFail = false;
    const succeeded = scheduler.waitFor('job.succeeded', (e) => e.job.id === deadJob.id);
    await row.locator('button[data-action="retry"]').click();
    await succeeded;
    await row.waitFor({ state: 'detached' });
    expect((await scheduler.getJob(deadJob.id))!.status).toBe('succeeded');
  });

  it('lists jobs with status chips and a task filter', async () => {
    await go('#/jobs');
    await page.locator('.chips a', { hasText: 'succeeded' }).click();
    await page.locator('main[data-view="jobs"] .chip.active', { hasText: 'succeeded' }).waitFor();
    const statuses = await page.locator('main tbody .badge').allTextContents();
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set(['succeeded']));
    await page.selectOption('main select', 'charge-renewals');
    await page.locator(`tr[data-id="${deadJob.id}"]`).waitFor();
    await go('#/jobs?limit=20');
    await shot('jobs');
  });

  it("opens a job's detail: attempts timeline, error and stack", async () => {
    await go(`#/jobs/${deadJob.id}`);
    const main = page.locator('main');
    await main.locator('.timeline li').nth(1).waitFor();
    const text = await main.textContent();
    expect(text).toContain('Attempt 1');
    expect(text).toContain('Attempt 2');
    expect(text).toContain('fencing token 2');
    expect(text).toContain('From attempt 1');
    expect(await main.locator('pre.stack').textContent()).toContain('NonRetryableError: card processor declined');
    expect(text).toContain('web-1:8231:c0de');
    expect(await main.locator('.timeline .badge-failed').count()).toBe(1);
    expect(await main.locator('.timeline .badge-succeeded').count()).toBe(1);
    await shot('job-detail');
  });

  it('flags a job no live node runs the task of, and records the store could not read', async () => {
    const store = scheduler.store;
    const nowMs = Date.now();
    const newJob = (id: string) => ({ id, task: 'legacy-export', data: { id }, origin: 'enqueue' as const, scheduleId: null, fireAtMs: null, priority: 0, runAtMs: nowMs, maxAttempts: 3, dedupeKey: null, createdAtMs: nowMs });
    await store.enqueueJobs([newJob('0190ffff-wait-7000-8000-000000000001'), newJob('0190ffff-damg-7000-8000-000000000002')]);
    // A hand edit gone wrong: garbage in a queued job's payload and in a paused schedule's trigger.
    const db = new DatabaseSync(join(dir, 'dashboard.db'));
    db.prepare(`UPDATE jobs SET data = '{garbage' WHERE id = ?`).run('0190ffff-damg-7000-8000-000000000002');
    db.prepare(`UPDATE schedules SET trigger_spec = 'cron(' WHERE id = ?`).run('renewals/monthly');
    db.close();

    await go('#/jobs?status=queued');
    const waiting = page.locator('tr[data-id="0190ffff-wait-7000-8000-000000000001"]');
    await waiting.locator('[data-flag="no-node"]').waitFor();
    expect(await waiting.locator('[data-flag="no-node"]').textContent()).toBe('no live node runs this task');
    expect(await waiting.locator('[data-flag="unreadable"]').count()).toBe(0);
    const damaged = page.locator('tr[data-id="0190ffff-damg-7000-8000-000000000002"]');
    await damaged.locator('[data-flag="unreadable"]').waitFor();
    await go('#/jobs/0190ffff-damg-7000-8000-000000000002');
    const notice = page.locator('main [data-unreadable]');
    await notice.waitFor();
    expect(await notice.textContent()).toContain('data: not JSON');
    await go('#/schedules');
    await page.locator('tr[data-id="renewals/monthly"] [data-flag="unreadable"]').waitFor();
    expect(await page.locator('tr[data-id="heartbeat"] [data-flag="unreadable"]').count()).toBe(0);
  });

  it('shows the nodes, alive and gone', async () => {
    await go('#/nodes');
    await page.locator('tr[data-id="web-1:8231:c0de"] .badge-alive').waitFor();
    await page.locator('tr[data-id="worker-b:4122:7f3a"] .badge-gone').waitFor();
    await shot('nodes');
    expect(pageErrors).toEqual([]);
  });
});
