import type { NodeRecord } from '../domain/node.ts';
import type { StoreCalls } from './store-calls.ts';

/** The Redis store's node records: one hash `nodes`, node id → NodeRecord JSON. */
export class RedisNodes {
  readonly #calls: StoreCalls;

  constructor(calls: StoreCalls) {
    this.#calls = calls;
  }

  async upsert(node: NodeRecord): Promise<void> {
    await this.#calls.call('upsertNode', (client) => client.hset(this.#calls.keys.nodes, node.id, JSON.stringify(node)));
  }

  async remove(id: string): Promise<void> {
    await this.#calls.call('removeNode', (client) => client.hdel(this.#calls.keys.nodes, id));
  }

  async list(query: { seenAfterMs?: number } = {}): Promise<NodeRecord[]> {
    const values = await this.#calls.call('listNodes', (client) => client.hvals(this.#calls.keys.nodes));
    const { seenAfterMs } = query;
    return values
      .map(decodeNode)
      .filter((node) => seenAfterMs === undefined || node.lastSeenAtMs > seenAfterMs)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}

/**
 * A node's JSON → NodeRecord. Nodes of an older version, in a rolling deploy, write records
 * without the fields added since: they read as the default (no cluster events listened to).
 */
function decodeNode(json: string): NodeRecord {
  const node = JSON.parse(json) as Partial<NodeRecord> & Omit<NodeRecord, 'clusterEvents'>;
  return { ...node, clusterEvents: Array.isArray(node.clusterEvents) ? node.clusterEvents : [] };
}
