import type { Store } from '../../store/store.ts';

/** A stored field to damage, and how: text that is not JSON, or JSON of the wrong shape. */
export type DamageTarget =
  | { kind: 'job'; id: string; field: 'data' | 'attempts' | 'error' | 'result'; garbage: Garbage }
  | { kind: 'schedule'; id: string; field: 'data' | 'trigger'; garbage: Garbage };

/** The damage `DamageRecord` writes: bytes that are not JSON, or JSON of the wrong shape for the field. */
export type Garbage = 'not-json' | 'wrong-shape';

/**
 * Writes garbage straight into a stored field, past the store's API (raw SQL, HSET). Returns
 * false when the store cannot hold that damage (PostgreSQL's jsonb holds only JSON, and any JSON
 * is a valid payload).
 */
export type DamageRecord = (store: Store, target: DamageTarget) => Promise<boolean>;
