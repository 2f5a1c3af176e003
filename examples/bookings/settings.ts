// The example's settings, read from the environment once, at the edge, with messages that say
// what was wrong. main.ts passes them on to the replicas it spawns (they inherit its
// environment), so every process of one run agrees on the schemas and the durations.
import { userInfo } from 'node:os';
import { InvalidArgumentError } from '../../src/index.ts';

export interface Settings {
  /** `DATABASE_URL`: the PostgreSQL both the bookings and Sundial live in. @defaultValue from `PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER` (else 127.0.0.1, 5432, `test`, the OS user) */
  databaseUrl: string;
  /** `BOOKINGS_SCHEMA`: the schema of the business tables (`bookings`, `booking_events`). @defaultValue 'bookings' */
  bookingsSchema: string;
  /** `SUNDIAL_SCHEMA`: the schema of Sundial's store (schedules, jobs, leases). @defaultValue 'bookings_sundial' */
  sundialSchema: string;
  /** `BOOKINGS_REPLICAS`: how many replica processes main.ts starts. @defaultValue 3 */
  replicas: number;
  /** `PORT`: the first replica's port (the others take the next ones); 0 picks free ports. @defaultValue 0 */
  port: number;
  /** `BOOKINGS_REQUEST_TTL`: a request not confirmed within this is expired. The seed's 24 h. @defaultValue '5s' (a demo) */
  requestTtlMs: number;
  /** `BOOKINGS_GRACE`: a session ends this long after its end time. @defaultValue '2s' */
  graceMs: number;
  /** `BOOKINGS_REMIND_BEFORE`: the reminder is due this long before the session starts. @defaultValue '3s' */
  remindBeforeMs: number;
  /** `BOOKINGS_LEASE`: Sundial's job lease, so about how long a killed replica's jobs wait. @defaultValue '3s' */
  leaseMs: number;
  /** `BOOKINGS_HANDLER_WORK`: simulated work inside each transition's transaction (a slow notification, say). @defaultValue 0 */
  handlerWorkMs: number;
  /** `SUNDIAL_ADMIN_TOKEN`: the dashboard's operator token; without it the dashboard answers loopback requests only. */
  adminToken: string | undefined;
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const text = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const duration = (name: string, fallbackMs: number) => {
    const value = text(name);
    return value === undefined ? fallbackMs : durationMs(value, name);
  };
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const value = text(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`Expected ${name} to be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return parsed;
  };
  const adminToken = text('SUNDIAL_ADMIN_TOKEN');
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new InvalidArgumentError(`Expected SUNDIAL_ADMIN_TOKEN to be at least 16 characters, got ${adminToken.length}`);
  }
  return {
    databaseUrl: text('DATABASE_URL') ?? defaultDatabaseUrl(env),
    bookingsSchema: schemaName(text('BOOKINGS_SCHEMA') ?? 'bookings', 'BOOKINGS_SCHEMA'),
    sundialSchema: schemaName(text('SUNDIAL_SCHEMA') ?? 'bookings_sundial', 'SUNDIAL_SCHEMA'),
    replicas: integer('BOOKINGS_REPLICAS', 3, 1, 16),
    port: integer('PORT', 0, 0, 65_535),
    requestTtlMs: duration('BOOKINGS_REQUEST_TTL', 5_000),
    graceMs: duration('BOOKINGS_GRACE', 2_000),
    remindBeforeMs: duration('BOOKINGS_REMIND_BEFORE', 3_000),
    leaseMs: duration('BOOKINGS_LEASE', 3_000),
    handlerWorkMs: text('BOOKINGS_HANDLER_WORK') === '0' ? 0 : duration('BOOKINGS_HANDLER_WORK', 0),
    adminToken,
  };
}

/** '250ms', '2s', '1m', '24h' or a number of milliseconds. */
export function durationMs(value: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  const units = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
  const ms = match ? Number(match[1]) * units[(match[2] ?? 'ms') as keyof typeof units] : Number.NaN;
  if (!(ms > 0)) throw new InvalidArgumentError(`Expected ${name} to be a positive duration such as '2s' or '24h', got ${JSON.stringify(value)}`);
  return Math.round(ms);
}

function schemaName(value: string, name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(value) || value.startsWith('pg_')) {
    throw new InvalidArgumentError(`Expected ${name} to be a lower-case schema name (letters, digits, _), got ${JSON.stringify(value)}`);
  }
  return value;
}

function defaultDatabaseUrl(env: NodeJS.ProcessEnv): string {
  const user = env['PGUSER'] ?? env['USER'] ?? userInfo().username;
  const auth = `${encodeURIComponent(user)}${env['PGPASSWORD'] ? `:${encodeURIComponent(env['PGPASSWORD'])}` : ''}@`;
  return `postgres://${auth}${env['PGHOST'] ?? '127.0.0.1'}:${env['PGPORT'] ?? 5432}/${env['PGDATABASE'] ?? 'test'}`;
}
