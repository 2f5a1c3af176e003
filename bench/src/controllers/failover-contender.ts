// One contender of the failover benchmark, in its own OS process (spawned by failover.ts):
//
//   node bench/src/controllers/failover-contender.ts --store postgres --name <schema> --node n1 --lease 5000
//
// A LeaderElector with the given lease (everything else default). While it leads, its leader-only
// work acts every 10–25 ms, checking `term.valid` right before each action. It prints JSON lines:
// ready, elected, acted (the first action of each term), deposed, stopped (SIGTERM: with its last
// action), and what it saw of the store — `renewed` (each successful renewal, with when it was
// sent) and `read` (each acquisition attempt, with the record version it saw) — so the parent can
// tell where the failover time went.
import { parseArgs } from 'node:util';
import { LeaderElector } from '../../../src/controllers/index.ts';
import type { LeaderRecord, Store } from '../../../src/store/store.ts';
import { say } from './processes.ts';
import { openStore, storeKind, wallNow } from './stores.ts';

const { values } = parseArgs({ options: { store: { type: 'string' }, name: { type: 'string' }, node: { type: 'string' }, lease: { type: 'string' } } });
const nodeId = values.node!;
const election = 'bench-failover';

/** The store, with the election calls reported (a few per second: no load to speak of). */
function reporting(store: Store): Store {
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      const call = (...callArgs: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, callArgs);
      if (property === 'renewLeadership') {
        return async (...callArgs: unknown[]) => {
          const sentAt = wallNow();
          const record = (await call(...callArgs)) as LeaderRecord | null;
          if (record !== null) void say('renewed', { node: nodeId, sentAt, receivedAt: wallNow(), version: record.version, term: record.term });
          return record;
        };
      }
      if (property === 'acquireLeadership') {
        return async (...callArgs: unknown[]) => {
          const sentAt = wallNow();
          const record = (await call(...callArgs)) as LeaderRecord;
          const { observedVersion } = callArgs[0] as { observedVersion: number | null };
          void say('read', { node: nodeId, sentAt, receivedAt: wallNow(), observedVersion, holder: record.holder, version: record.version, term: record.term, leaseMs: record.leaseMs });
          return record;
        };
      }
      return call;
    },
  });
}

const raw = openStore(storeKind(values.store), values.name!);
await raw.open();
const store = reporting(raw);
const elector = new LeaderElector({ store, name: election, nodeId, lease: Number(values.lease) });
let actions = 0;
let lastActedAt: number | null = null;
let leadingTerm: number | null = null;

elector.on('leader.elected', ({ term }) => {
  void say('elected', { node: nodeId, term, at: wallNow() });
  leadingTerm = term;
  const current = elector.term!;
  let first = true;
  const act = () => {
    if (current.signal.aborted) return;
    // Checked right before acting: a term can end between two timer callbacks.
    if (!current.valid) return;
    const at = wallNow();
    actions++;
    lastActedAt = at;
    if (first) void say('acted', { node: nodeId, term, at });
    first = false;
    setTimeout(act, 10 + Math.random() * 15);
  };
  act();
});
elector.on('leader.deposed', ({ term, reason }) => void say('deposed', { node: nodeId, term, reason, at: wallNow() }));

process.on('SIGTERM', () => {
  const at = wallNow();
  void elector.stop().then(async () => {
    const stopped = say('stopped', { node: nodeId, term: leadingTerm, signalledAt: at, releasedAt: wallNow(), lastActedAt, actions });
    await raw.close();
    await stopped;
    process.exit(0);
  });
});

await elector.start();
void say('ready', { node: nodeId, at: wallNow() });
