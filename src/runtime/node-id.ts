import { hostname } from 'node:os';

/** A node id for this process when none is given: `hostname:pid:random` (unique per process, readable in logs). */
export function defaultNodeId(): string {
  return `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 6)}`;
}
