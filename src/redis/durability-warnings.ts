import { Redis } from 'ioredis';
import type { Cluster } from 'ioredis';
import type { StoreWarning } from '../store/store.ts';

/** What one server answered to CONFIG GET, or why it did not. */
type ServerSettings = ReadSettings | UnreadableSettings;
interface ReadSettings {
  address: string;
  appendonly: string;
  save: string;
  maxmemoryPolicy: string;
}
interface UnreadableSettings {
  address: string;
  unreadable: string;
}
const isUnreadable = (settings: ServerSettings): settings is UnreadableSettings => 'unreadable' in settings;

/**
 * What the Redis servers of a store are configured to lose, read with `CONFIG GET appendonly`,
 * `save` and `maxmemory-policy`: on a single server (or Sentinel's current master) that server;
 * on a Cluster every node the client knows, masters and replicas, since resharding and failover
 * can move a store's slot to any of them. One warning per problem, naming the servers that have
 * it. A server that does not answer CONFIG (renamed or disabled on managed services, denied by an
 * ACL, unreachable) yields a `durability-unchecked` warning instead: this never rejects.
 */
export async function durabilityWarnings(client: Redis | Cluster): Promise<StoreWarning[]> {
  const servers = client instanceof Redis ? [client] : client.nodes('all');
  if (servers.length === 0) {
    return [{ code: 'durability-unchecked', message: uncheckedMessage('the Redis Cluster', 'the client knows no node yet') }];
  }
  const settings = await Promise.all(servers.map(readSettings));
  const warnings: StoreWarning[] = [];

  const unreadable = settings.filter(isUnreadable);
  if (unreadable.length > 0) {
    const reasons = [...new Set(unreadable.map((s) => s.unreadable))].join('; ');
    warnings.push({ code: 'durability-unchecked', message: uncheckedMessage(`Redis ${list(unreadable.map((s) => s.address))}`, reasons) });
  }
  const read = settings.filter((s): s is ReadSettings => !isUnreadable(s));
  const memoryOnly = read.filter((s) => s.appendonly === 'no' && s.save.trim() === '');
  if (memoryOnly.length > 0) {
    warnings.push({
      code: 'persistence-off',
      message:
        `Redis ${list(memoryOnly.map((s) => s.address))} ${memoryOnly.length === 1 ? 'keeps' : 'keep'} nothing on disk (appendonly no, save ""): ` +
        'a restart or crash loses every schedule and job. Turn on AOF (appendonly yes) or RDB snapshots (save).',
    });
  }
  const evicting = read.filter((s) => s.maxmemoryPolicy !== 'noeviction');
  if (evicting.length > 0) {
    warnings.push({
      code: 'eviction-possible',
      message:
        `Redis ${list(evicting.map((s) => `${s.address} (maxmemory-policy ${s.maxmemoryPolicy})`))} may evict keys when it reaches maxmemory: ` +
        'an evicted schedule or job is lost without an error. Set maxmemory-policy noeviction (a full Redis then refuses writes instead).',
    });
  }
  return warnings;
}

async function readSettings(server: Redis): Promise<ServerSettings> {
  const address = addressOf(server);
  try {
    const [appendonly, save, maxmemoryPolicy] = await Promise.all(['appendonly', 'save', 'maxmemory-policy'].map((name) => configValue(server, name)));
    return { address, appendonly: appendonly!, save: save!, maxmemoryPolicy: maxmemoryPolicy! };
  } catch (error) {
    return { address, unreadable: `CONFIG GET failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

async function configValue(server: Redis, name: string): Promise<string> {
  // CONFIG GET answers [name, value], or [] for a setting this server does not have.
  const reply = (await server.config('GET', name)) as unknown;
  if (!Array.isArray(reply) || typeof reply[1] !== 'string') throw new Error(`no "${name}" setting`);
  return reply[1];
}

function addressOf(server: Redis): string {
  const { path, host, port, sentinels, name } = server.options;
  if (sentinels && sentinels.length > 0) return `master "${name ?? '?'}" (Sentinel)`;
  return path ? path : `${host ?? 'localhost'}:${port ?? 6379}`;
}

function list(items: readonly string[]): string {
  return [...new Set(items)].join(', ');
}

function uncheckedMessage(where: string, reason: string): string {
  return (
    `Could not read the persistence and eviction settings of ${where} (${reason}): ` +
    'check yourself that AOF or RDB snapshots are on and that maxmemory-policy is noeviction.'
  );
}
