// The requests and answers of the store's leadership step (see `Store.acquireLeadership`).

/**
 * Who leads one named election, as the store holds it. One record per name, created by the
 * first acquisition and never deleted (its `term` must keep growing across holders).
 */
export interface LeaderRecord {
  /** The election: one leader per name in the store. */
  name: string;
  /** The node that leads, or null after it released leadership (anyone may take it at once). */
  holder: string | null;
  /**
   * The fencing token: 1 at the first acquisition, + 1 at every acquisition after (a takeover, or
   * an acquisition after a release), never reused. A leader hands it to whatever it writes, so
   * that a write under an older term can be refused.
   */
  term: number;
  /**
   * + 1 at every write (acquire, renew, release). A candidate judges a lease expired when it has
   * seen the same version for `leaseMs` on its own monotonic clock — never by comparing clocks of
   * two machines — and then takes over by naming that version (`observedVersion`).
   */
  version: number;
  /** When the current term began (the acquiring node's clock). */
  acquiredAtMs: number;
  /** The holder's last renewal (or the acquisition), on its clock: for display only. */
  renewedAtMs: number;
  /** How long the holder promised to hold without a renewal. */
  leaseMs: number;
}

/** The request of `Store.acquireLeadership`: `nodeId` asks to lead the election `name` for `leaseMs`. */
export interface AcquireLeadershipRequest {
  name: string;
  nodeId: string;
  nowMs: number;
  leaseMs: number;
  /**
   * The version the candidate watched unchanged for at least the holder's `leaseMs` (on its own
   * monotonic clock): the store lets it take over only if the record still has it. Null when the
   * candidate has seen no record yet (then only an absent or released record can be taken).
   */
  observedVersion: number | null;
}

/**
 * The request of `Store.renewLeadership`: the holder extends its `term` by `leaseMs` from `nowMs` (a fenced write).
 */
export interface RenewLeadershipRequest {
  name: string;
  nodeId: string;
  term: number;
  nowMs: number;
  leaseMs: number;
}

/** The request of `Store.releaseLeadership`: the holder gives up its `term` at once (graceful stop). */
export interface ReleaseLeadershipRequest {
  name: string;
  nodeId: string;
  term: number;
  nowMs: number;
}
