import type { JsonValue } from '../index.ts';

/** What a caller may do: `read` sees everything (GET only); `operate` also pauses, triggers, retries, … */
export type AdminRole = 'read' | 'operate';

/** The Hono environment of the admin app: what the middlewares hand to the routes. */
export interface AdminEnv {
  Variables: {
    role: AdminRole;
    /** The parsed JSON body of a POST/DELETE (an empty body is `{}`), within the size limit. */
    body: JsonValue;
  };
}
