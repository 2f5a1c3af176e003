import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

// What the dashboard's browser tests share: Debian's Chromium, headless; screenshots for the docs.
export const executablePath = '/usr/bin/chromium';
export const hasChromium = existsSync(executablePath);
if (!hasChromium && process.env['CI']) throw new Error(`${executablePath} is missing: CI must install Chromium (apt-get install chromium)`);
if (!hasChromium) console.warn(`Skipping the dashboard browser tests: ${executablePath} not found (install Debian's chromium to run them)`);

export const screenshotDir = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
/** `UPDATE_SCREENSHOTS=1` writes the pictures of docs/admin.md. */
export const updateScreenshots = process.env['UPDATE_SCREENSHOTS'] === '1';

/** What the functions given to page.evaluate use (they run in the page; this tsconfig has no DOM types). */
export interface PageGlobals {
  document: {
    getElementById(id: string): { hidden: boolean } | null;
    querySelectorAll(selector: string): Iterable<{ classList: { remove(name: string): void } }>;
  };
  location: { hash: string };
  marker?: number;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A screenshot for the docs (only with UPDATE_SCREENSHOTS=1), without the toasts and row flashes that come and go. */
export async function shot(page: Page, name: string): Promise<void> {
  if (!updateScreenshots) return;
  mkdirSync(screenshotDir, { recursive: true });
  await page.evaluate(() => {
    const { document } = globalThis as unknown as PageGlobals;
    document.getElementById('toast')!.hidden = true;
    for (const row of document.querySelectorAll('tr.flash')) row.classList.remove('flash');
  });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`) });
}

/** Goes to a view by its hash and waits until the dashboard has rendered it. */
export async function go(page: Page, hash: string): Promise<void> {
  await page.evaluate((h) => void ((globalThis as unknown as PageGlobals).location.hash = h), hash);
  await page.locator(`main[data-view="${hash.replace(/^#\//, '').split(/[/?]/)[0]}"]`).waitFor();
}

/** Opens the dashboard and signs in with `token` in the login dialog. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.locator('#login').waitFor();
  await page.fill('#login-token', token);
  await page.click('#login button[type=submit]');
  await page.locator('main[data-view]').waitFor();
}

/** A rule axe-core found broken on a page: its id, impact, help text and the elements (CSS selectors). */
export interface AxeViolation {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  targets: string[];
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core (WCAG 2 A/AA and best practices) on the page as it is now: injected once per
 * document, then `axe.run()`. Evaluated rather than added as a script tag, which the dashboard's
 * Content-Security-Policy rightly refuses. Motion is reduced first (the dashboard then stops its
 * animations), so a row's flash does not change colours mid-check.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.emulateMedia({ reducedMotion: 'reduce' });
  if (!(await page.evaluate<boolean>('typeof globalThis.axe === "object"'))) await page.evaluate(axeSource);
  const violations = await page.evaluate<AxeViolation[]>(
    `axe.run(document, { resultTypes: ['violations'] }).then((results) => results.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) })))`,
  );
  await page.emulateMedia({ reducedMotion: 'no-preference' });
  return violations;
}

/** Violations counted by impact: { serious: 2, moderate: 1 }. */
export function countByImpact(violations: AxeViolation[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of violations) counts[v.impact ?? 'unknown'] = (counts[v.impact ?? 'unknown'] ?? 0) + v.targets.length;
  return counts;
}

/** The serious and critical violations, one readable line each (what the browser tests require to be none). */
export function seriousViolations(violations: AxeViolation[]): string[] {
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact}: ${v.id} (${v.help}) at ${v.targets.join(', ')}`);
}
