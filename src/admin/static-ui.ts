import { readFile } from 'node:fs/promises';
import type { Context } from 'hono';

const uiDirectory = new URL('./ui/', import.meta.url);
const contentTypes: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

/**
 * The dashboard's files may only talk to this origin and never run inline code: even if a stored
 * error message contained markup, the page would not execute it.
 */
const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Serves a file of the dashboard (flat names only: no path can leave the ui directory). */
export async function serveUiFile(c: Context, name: string): Promise<Response> {
  const match = /^[a-z0-9-]+\.(html|js|css|svg)$/.exec(name);
  if (!match) return c.json({ error: { code: 'NOT_FOUND', message: 'No such page' } }, 404);
  let body: Buffer;
  try {
    body = await readFile(new URL(name, uiDirectory));
  } catch {
    return c.json({ error: { code: 'NOT_FOUND', message: 'No such page' } }, 404);
  }
  return c.body(new Uint8Array(body), 200, {
    'Content-Type': contentTypes[match[1]!]!,
    'Content-Security-Policy': contentSecurityPolicy,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  });
}
