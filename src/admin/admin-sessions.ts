import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../index.ts';
import type { AdminRole } from './admin-role.ts';

/**
 * A token from the admin options, as the admin keeps it: its SHA-256 digest (to recognise it) and
 * the key that signs the sessions made with it, never the token itself.
 */
export interface ConfiguredToken {
  readonly digest: Buffer;
  readonly role: AdminRole;
  readonly sessionKey: Buffer;
}

/** A session whose cookie checked out: signed by a configured token, not expired, not signed out here. */
export interface AdminSession {
  /** The cookie's random part (128 bits, base64url): names the session for sign-out. */
  readonly id: string;
  /** The role of the token that made the session (never more: see {@link AdminSessions.verify}). */
  readonly role: AdminRole;
  readonly expiresAtMs: number;
}

/** Why a cookie was refused, in words for the 401 answer (they say nothing about any token). */
export type SessionCheck = { ok: true; session: AdminSession } | { ok: false; reason: string };

/** How long a session lasts. The dashboard makes a new one with its token when this one ends. */
export const sessionLifetimeMs = 60 * 60 * 1000;
/** A session may expire this much later than this process would make it expire (replicas' clocks differ). */
const clockSkewAllowanceMs = 5 * 60 * 1000;
/** At most this many signed-out sessions are remembered; the oldest are forgotten first. */
const maxRevoked = 10_000;
const keyInfo = 'sundial admin session v1';
const roleRank: Readonly<Record<AdminRole, number>> = { read: 0, operate: 1 };
/** `v1.<expiresAtMs>.<role>.<id>.<mac>`; only digits, letters, `-`, `_` and dots: no encoding to undo. */
const cookieFormat = /^v1\.(\d{1,16})\.(read|operate)\.([\w-]{22})\.([\w-]{43})$/;
const versionPrefix = /^v\d+\./;

/**
 * The dashboard's sessions: opaque, expiring, HMAC-signed cookie values. Nothing is stored to
 * accept one, so every admin configured with the same tokens accepts the others' sessions, and a
 * token removed from the options takes its sessions with it (each token has its own key, derived
 * from it with HKDF). Sign-out is remembered by this process only. See docs/admin.md, "Security".
 */
export class AdminSessions {
  readonly #tokens: readonly ConfiguredToken[];
  readonly #clock: Clock;
  /** Sessions signed out in this process: id → expiresAtMs (after which the MAC check refuses them anyway). */
  readonly #revoked = new Map<string, number>();

  constructor(tokens: ReadonlyArray<{ token: string; role: AdminRole }>, clock: Clock) {
    this.#clock = clock;
    this.#tokens = tokens.map(({ token, role }) => ({
      digest: digest(token),
      role,
      sessionKey: Buffer.from(hkdfSync('sha256', token, '', keyInfo, 32)),
    }));
  }

  /** The configured token that `given` is, compared with every one, in constant time, without an early exit. */
  matchToken(given: string): ConfiguredToken | null {
    const candidate = digest(given);
    let found: ConfiguredToken | null = null;
    for (const token of this.#tokens) {
      if (timingSafeEqual(token.digest, candidate) && found === null) found = token;
    }
    return found;
  }

  /** A new session with the role of `token`: the cookie value and what it stands for. */
  issue(token: ConfiguredToken): { value: string; session: AdminSession } {
    const session: AdminSession = { id: randomBytes(16).toString('base64url'), role: token.role, expiresAtMs: this.#clock.now() + sessionLifetimeMs };
    const payload = `v1.${session.expiresAtMs}.${session.role}.${session.id}`;
    return { value: `${payload}.${mac(token.sessionKey, payload)}`, session };
  }

  /**
   * Checks a cookie value: its format, its MAC (against every configured token's key, without an
   * early exit), that its role is no more than that token's, its expiry, and sign-out.
   */
  verify(value: string): SessionCheck {
    const match = cookieFormat.exec(value);
    if (!match) {
      return { ok: false, reason: versionPrefix.test(value) && !value.startsWith('v1.') ? 'Unknown session cookie version' : 'Malformed session cookie' };
    }
    const [, expires, role, id, givenMac] = match as unknown as [string, string, AdminRole, string, string];
    const payload = `v1.${expires}.${role}.${id}`;
    const given = Buffer.from(givenMac, 'latin1');
    let signer: ConfiguredToken | null = null;
    for (const token of this.#tokens) {
      if (timingSafeEqual(Buffer.from(mac(token.sessionKey, payload), 'latin1'), given) && signer === null) signer = token;
    }
    // The role is signed, but with the key of the token that made the session: a read token's holder
    // could sign "operate". Such a session is refused, not lowered.
    if (signer === null || roleRank[role] > roleRank[signer.role]) return { ok: false, reason: 'Invalid session cookie' };
    const expiresAtMs = Number(expires);
    const nowMs = this.#clock.now();
    if (expiresAtMs <= nowMs) return { ok: false, reason: 'Session expired' };
    if (expiresAtMs > nowMs + sessionLifetimeMs + clockSkewAllowanceMs) return { ok: false, reason: 'Invalid session cookie' };
    if (this.#revoked.has(id)) return { ok: false, reason: 'Session ended (signed out)' };
    return { ok: true, session: { id, role, expiresAtMs } };
  }

  /** Whether a session accepted earlier still is: not expired, not signed out (open event streams ask). */
  isActive(session: AdminSession): boolean {
    return session.expiresAtMs > this.#clock.now() && !this.#revoked.has(session.id);
  }

  /** Signs a session out in this process, until it expires. */
  revoke(session: AdminSession): void {
    const nowMs = this.#clock.now();
    for (const [id, expiresAtMs] of this.#revoked) if (expiresAtMs <= nowMs) this.#revoked.delete(id);
    this.#revoked.set(session.id, session.expiresAtMs);
    // Only holders of a valid session can add here; still, memory stays bounded.
    for (const id of this.#revoked.keys()) {
      if (this.#revoked.size <= maxRevoked) break;
      this.#revoked.delete(id);
    }
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function mac(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload, 'latin1').digest('base64url');
}
