/**
 * The admin HTTP API, its server-sent events and the dashboard, as a Hono app.
 *
 * @packageDocumentation
 * @module sundial-scheduler/admin
 */
export { createAdmin, type Admin, type AdminOptions } from './create-admin.ts';
export type { AdminAuth } from './auth.ts';
export type { AdminRole } from './admin-role.ts';
export type { HealthSource } from './routes/health-routes.ts';
export { serveAdmin, type ServeAdminOptions, type AdminServer } from './serve-admin.ts';
