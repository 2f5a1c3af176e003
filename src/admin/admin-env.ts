import type { JsonValue } from '../index.ts';
import type { AdminRole } from './admin-role.ts';
import type { AdminSession, ConfiguredToken } from './admin-sessions.ts';

/**
 * How a request was authenticated, and the role it acts with. A session cookie alone only reads,
 * whatever the role of the token that made the session (`session.role`).
 */
export type AdminCredential =
  | { kind: 'token'; role: AdminRole; token: ConfiguredToken }
  | { kind: 'session'; role: 'read'; session: AdminSession }
  | { kind: 'authorize' | 'open'; role: AdminRole };

/** The Hono environment of the admin app: what the middlewares hand to the routes. */
export interface AdminEnv {
  Variables: {
    credential: AdminCredential;
    /** The parsed JSON body of a POST/DELETE (an empty body is `{}`), within the size limit. */
    body: JsonValue;
  };
}
