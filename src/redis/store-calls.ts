import type { Cluster, Redis } from 'ioredis';
import type { KeyLayout } from './key-layout.ts';
import type { ScriptName } from './scripts.ts';

/**
 * What the store's parts in files of their own (leadership, event log, nodes) need from
 * RedisStore: its scripts and commands, with its open-check and error mapping applied.
 */
export interface StoreCalls {
  readonly keys: KeyLayout;
  /** This store instance's id: the wake-ups it publishes carry it, so that it ignores its own. */
  readonly instanceId: string;
  /** Runs a script with KEYS[1] = meta and ARGV = [key base, ...args]. */
  script(name: ScriptName, args: ReadonlyArray<string | number>): Promise<unknown>;
  /** Runs plain commands; `operation` names the call in errors. */
  call<T>(operation: string, body: (client: Redis | Cluster) => Promise<T>): Promise<T>;
}
