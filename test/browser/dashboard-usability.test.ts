import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveAdmin, type AdminServer } from '../../src/admin/index.ts';
import { NonRetryableError, Scheduler, cron, every, task, type JobSnapshot } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';
import { axeViolations, countByImpact, go as goTo, hasChromium, launchBrowser, seriousViolations, shot } from './browser-harness.ts';
import { seedHistory } from './dashboard-seed.ts';

// The dashboard's usability in headless Chromium: token-less development mode, the schedule
// detail page, axe-core on every view, and keyboard navigation. A real scheduler on SQLite.
let dir: string;
let scheduler: Scheduler;
let server: AdminServer;
let browser: Browser;
let page: Page;
let deadJob: JobSnapshot;
const pageErrors: string[] = [];

function go(hash: string): Promise<void> {
  return goTo(page, hash);
}

/** Each view by its hash, and what shows once its content has loaded. */
function views(): Array<{ name: string; hash: string; ready: string }> {
  return [
    { name: 'overview', hash: '#/overview', ready: 'main[data-view="overview"] svg.chart' },
    { name: 'schedules', hash: '#/schedules', ready: 'main tr[data-id="heartbeat"]' },
    { name: 'schedule detail', hash: '#/schedules/heartbeat', ready: 'main [data-section="policies"]' },
    { name: 'jobs', hash: '#/jobs', ready: 'main[data-view="jobs"] tbody tr' },
    { name: 'job detail', hash: `#/jobs/${encodeURIComponent(deadJob.id)}`, ready: 'main pre.stack' },
    { name: 'dead letters', hash: '#/dead', ready: `main tr[data-id="${deadJob.id}"]` },
    { name: 'nodes', hash: '#/nodes', ready: 'main tr[data-id="web-1:8231:c0de"]' },
    { name: 'controllers', hash: '#/controllers', ready: 'main[data-view="controllers"] h1' },
    { name: 'breakers', hash: '#/breakers', ready: 'main tr[data-task="charge-renewals"]' },
  ];
}

describe.skipIf(!hasChromium)('dashboard: usability and accessibility', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sundial-usability-'));
    const store = new SqliteStore(join(dir, 'usability.db'));
    await store.open();
    await seedHistory(store, Date.now());
    const tasks = [
      task('heartbeat', { run: () => null }),
      task('send-digest', { run: () => ({ sent: 3 }) }),
      task('charge-renewals', {
        retry: { attempts: 2 },
        run: () => {
          throw new NonRetryableError('card processor declined: insufficient funds');
        },
      }),
    ];
    scheduler = new Scheduler({ store, tasks, nodeId: 'web-1:8231:c0de', logger: 'error', pollInterval: '100ms' });
    await scheduler.start();
    await scheduler.schedule({ id: 'heartbeat', task: 'heartbeat', trigger: every('1s'), maxRunning: 1, overlap: 'bufferOne', misfireGrace: '30s', coalesce: 'latest', catchUpLimit: 5 });
    await scheduler.schedule({ id: 'nightly-digest', task: 'send-digest', trigger: cron('0 3 * * *', { tz: 'Europe/Berlin' }) });
    await scheduler.schedule({ id: 'renewals/monthly', task: 'charge-renewals', trigger: cron('0 9 1 * *'), paused: true });
    await scheduler.forceBreaker('charge-renewals', null);
    const died = scheduler.waitFor('job.dead', (e) => e.job.task === 'charge-renewals');
    await scheduler.trigger('renewals/monthly');
    deadJob = (await died).job;
    // Development mode: no token, loopback only.
    server = await serveAdmin({ scheduler, auth: { open: 'loopback-dev' }, host: '127.0.0.1', port: 0, eventPollIntervalMs: 200 });
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

  it('opens without a token in development mode, and shows no Sign out button', async () => {
    await page.goto(server.url);
    await page.locator('main[data-view="overview"] svg.chart').first().waitFor();
    await expect.poll(() => page.textContent('#role')).toBe('operator');
    expect(await page.locator('#login').isVisible()).toBe(false);
    // The button is in the page, hidden: a `button { display: … }` rule must not show it again.
    expect(await page.locator('#sign-out').count()).toBe(1);
    expect(await page.locator('#sign-out').isVisible()).toBe(false);
    expect(await page.locator('button', { hasText: 'Sign out' }).isVisible()).toBe(false);
  });

  it("opens a schedule's detail from the schedules list: trigger, policies, next fires, recent jobs, lateness", async () => {
    await go('#/schedules');
    await page.locator('tr[data-id="heartbeat"] a', { hasText: 'heartbeat' }).click();
    const main = page.locator('main[data-view="schedules"]');
    await main.locator('[data-section="policies"]').waitFor();
    expect(await page.evaluate<string>('location.hash')).toBe('#/schedules/heartbeat');
    expect(await main.locator('h1').textContent()).toContain('heartbeat');
    expect(await main.locator('[data-field="trigger"]').textContent()).toBe('every second');
    expect(await main.locator('[data-field="maxRunning"]').textContent()).toBe('1 active job at once');
    expect(await main.locator('[data-field="overlap"]').textContent()).toContain('bufferOne');
    expect(await main.locator('[data-field="misfireGrace"]').textContent()).toContain('30s');
    expect(await main.locator('[data-field="coalesce"]').textContent()).toContain('latest');
    expect(await main.locator('[data-field="catchUpLimit"]').textContent()).toContain('5 due fires');
    expect(await main.locator('[data-field="paused"]').textContent()).toBe('no');
    expect(await main.locator('[data-section="next-fires"] li').count()).toBe(5);
    // Its jobs, newest first, and how late each started after its fire time.
    await expect.poll(() => main.locator('[data-section="recent-jobs"] tbody tr').count(), { timeout: 15_000 }).toBeGreaterThan(1);
    await expect.poll(() => main.locator('svg.chart rect.fill-succeeded').count(), { timeout: 15_000 }).toBeGreaterThan(1);
    expect(await main.locator('svg.chart').getAttribute('aria-label')).toMatch(/^Lateness of the last \d+ fired jobs: median /);
    expect(await main.locator('[data-field="lateness"]').textContent()).toMatch(/median .* worst /);
    await shot(page, 'schedule-detail');
    await main.locator('[data-section="recent-jobs"] tbody tr a.mono').first().click();
    await page.locator('main[data-view="jobs"] .timeline').waitFor();
  });

  it('shows a paused schedule whose id has a slash, and 404s an unknown one', async () => {
    await go('#/schedules/renewals%2Fmonthly');
    const main = page.locator('main[data-view="schedules"]');
    await main.locator('[data-section="policies"]').waitFor();
    expect(await main.locator('h1 .badge-paused').count()).toBe(1);
    expect(await main.locator('[data-field="paused"]').textContent()).toBe('yes');
    expect(await main.textContent()).toContain('Paused: these fires happen only once it is resumed.');
    await main.locator(`[data-section="recent-jobs"] tr[data-id="${deadJob.id}"] .badge-dead`).waitFor();
    await go('#/schedules/no-such-schedule');
    await expect.poll(() => main.textContent()).toContain('Not found');
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`has no serious or critical axe-core violations on any view (${colorScheme})`, async () => {
      await page.emulateMedia({ colorScheme });
      const found: string[] = [];
      for (const view of views()) {
        await go(view.hash);
        await page.locator(view.ready).first().waitFor();
        const violations = await axeViolations(page);
        // AXE_REPORT=1 prints every violation, of any impact, counted by impact.
        if (process.env['AXE_REPORT'] === '1') console.info(`axe ${colorScheme} ${view.name}:`, JSON.stringify(countByImpact(violations)), violations);
        found.push(...seriousViolations(violations).map((line) => `${view.name}: ${line}`));
      }
      await page.emulateMedia({ colorScheme: 'light' });
      expect(found).toEqual([]);
    });
  }

  it('is operable with the keyboard: Tab reaches the nav with a visible focus, Enter opens a view', async () => {
    await page.goto(`${server.url}#/overview`);
    await page.locator('main[data-view="overview"] svg.chart').first().waitFor();
    const focusedView = () => page.evaluate<string>('document.activeElement?.closest(".tabs") ? document.activeElement.dataset.view : ""');
    const reached: string[] = [];
    for (let i = 0; i < 12 && !reached.includes('jobs'); i++) {
      await page.keyboard.press('Tab');
      const view = await focusedView();
      if (view) reached.push(view);
    }
    // The brand link comes first, then the nav in order.
    expect(reached).toEqual(['overview', 'schedules', 'jobs']);
    const outline = await page.evaluate<string>('(() => { const style = getComputedStyle(document.activeElement); return `${style.outlineStyle} ${style.outlineWidth}`; })()');
    expect(outline).toMatch(/^solid [1-9]/);
    expect(await page.evaluate<boolean>('document.activeElement.matches(":focus-visible")')).toBe(true);
    await page.keyboard.press('Enter');
    await page.locator('main[data-view="jobs"] tbody tr').first().waitFor();
    expect(await page.locator('nav a.active').getAttribute('data-view')).toBe('jobs');
    expect(await page.locator('nav a[aria-current="page"]').getAttribute('data-view')).toBe('jobs');
    // Shift+Tab goes back along the nav; Enter on it opens that view too.
    await page.keyboard.press('Shift+Tab');
    expect(await focusedView()).toBe('schedules');
    await page.keyboard.press('Enter');
    await page.locator('main tr[data-id="heartbeat"]').waitFor();
    expect(pageErrors).toEqual([]);
  });
});
