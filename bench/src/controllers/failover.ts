// Leader failover, one case in its own OS process (run.ts spawns it once per store × lease × mode
// × repetition):
//
//   node bench/src/controllers/failover.ts --store redis --lease 5000 --mode kill
//   node bench/src/controllers/failover.ts --store sqlite --lease 2000 --mode term
//
// Three contender processes (failover-contender.ts) share a fresh store. Once the leader acts and
// the candidates have watched it for a while (2–3 renewal periods, a random phase against its
// renewals), the leader is sent SIGKILL (`kill`: a crash) or SIGTERM (`term`: a graceful stop, it
// releases the lease). Measured: signal → first action of the new leader (its leader-only work
// acts every 10–25 ms, from the moment it is elected). Prints one JSON line.
import { parseArgs } from 'node:util';
import { uniqueName } from '../lib/common.ts';
import { killOnExit, spawnNode, type Line, type Node } from './processes.ts';
import { dropStore, prepareStore, storeKind, wallNow } from './stores.ts';

const { values } = parseArgs({ options: { store: { type: 'string' }, lease: { type: 'string', default: '5000' }, mode: { type: 'string', default: 'kill' } } });
const kind = storeKind(values.store);
const leaseMs = Number(values.lease);
const mode = values.mode === 'term' ? 'term' : 'kill';
const name = uniqueName('ctl_failover');
const script = new URL('failover-contender.ts', import.meta.url).pathname;
const num = (line: Line, key: string): number => line[key] as number;
const round = (value: number): number => Math.round(value * 10) / 10;

const guard = setTimeout(() => {
  process.stdout.write(`${JSON.stringify({ scenario: 'failover', store: kind, leaseMs, mode, error: 'case timed out (own guard)' })}\n`);
  process.exit(2);
}, 120_000);
guard.unref();

const contenders: Node[] = [];
killOnExit(contenders);
try {
  await prepareStore(kind, name);
  contenders.push(...['n1', 'n2', 'n3'].map((node) => spawnNode(node, script, ['--store', kind, '--name', name, '--node', node, '--lease', String(leaseMs)])));
  await Promise.all(contenders.map((c) => c.waitFor((l) => l.event === 'ready', 30_000, 'ready')));
  const firstElected = await Promise.any(contenders.map((c) => c.waitFor((l) => l.event === 'elected', leaseMs * 3 + 5_000, 'election')));
  const leader = contenders.find((c) => c.name === firstElected.node)!;
  const firstTerm = num(firstElected, 'term');
  await leader.waitFor((l) => l.event === 'acted' && l.term === firstTerm, 5_000, 'first action');
  // The candidates watch the record from their reads (every lease/5): let each see a few
  // renewals, and kill at a random phase of the renewal period.
  const renewEveryMs = leaseMs / 5;
  const steadyMs = 2 * renewEveryMs + Math.random() * renewEveryMs;
  await new Promise((resolve) => setTimeout(resolve, steadyMs));

  const signalledAt = wallNow();
  leader.process.kill(mode === 'kill' ? 'SIGKILL' : 'SIGTERM');
  const others = contenders.filter((c) => c !== leader);
  const isNewTerm = (l: Line) => typeof l.term === 'number' && l.term > firstTerm;
  const bound = leaseMs * 3 + 5_000;
  const elected = await Promise.any(others.map((c) => c.waitFor((l) => l.event === 'elected' && isNewTerm(l), bound, 'new leader')));
  const winner = others.find((c) => c.name === elected.node)!;
  const acted = await winner.waitFor((l) => l.event === 'acted' && isNewTerm(l), 5_000, 'new leader acting');
  const stopped = mode === 'term' ? await leader.waitFor((l) => l.event === 'stopped', 10_000, 'stopped') : null;

  // Where the time went: the leader's last renewal before the signal, and when the winner first
  // saw the record version that renewal wrote (its watch of the lease starts then).
  const lastRenewal = leader.lines.filter((l) => l.event === 'renewed' && num(l, 'sentAt') < signalledAt).at(-1) ?? null;
  const lastVersion = lastRenewal ? num(lastRenewal, 'version') : null;
  const winnerFirstSaw = lastVersion === null ? null : (winner.lines.find((l) => l.event === 'read' && l.version === lastVersion) ?? null);
  const oldLastActed = stopped ? (stopped.lastActedAt as number | null) : null;
  const figures = {
    scenario: 'failover',
    store: kind,
    leaseMs,
    mode,
    /** Signal → the new leader's first action (the figure). */
    failoverMs: round(num(acted, 'at') - signalledAt),
    /** Signal → the new leader's `leader.elected`. */
    electedMs: round(num(elected, 'at') - signalledAt),
    firstTerm,
    newTerm: num(elected, 'term'),
    steadyMs: Math.round(steadyMs),
    /** Signal − the old leader's last successful renewal (sent). */
    sinceLastRenewalMs: lastRenewal ? round(signalledAt - num(lastRenewal, 'sentAt')) : null,
    /** When the winner first saw that renewal's version, after it was sent: its watch of the lease starts there. */
    winnerSawRenewalAfterMs: lastRenewal && winnerFirstSaw ? round(num(winnerFirstSaw, 'receivedAt') - num(lastRenewal, 'sentAt')) : null,
    /** term: SIGTERM → lease released (elector.stop() resolved). */
    releaseMs: stopped ? round(num(stopped, 'releasedAt') - signalledAt) : null,
    /** term: the old leader's last action came before the new leader's first (no overlap). */
    noOverlap: stopped ? oldLastActed === null || oldLastActed < num(acted, 'at') : null,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ scenario: 'failover', store: kind, leaseMs, mode, error: error instanceof Error ? error.message : String(error) })}\n`);
  process.exitCode = 1;
} finally {
  await Promise.all(contenders.map((c) => c.kill()));
  await dropStore(kind, name).catch(() => undefined);
}
process.exit();
