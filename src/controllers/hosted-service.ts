/**
 * What a service reports about itself to its host (`Host.health()`), for liveness and readiness
 * probes.
 */
export interface ServiceHealth {
  /** False when the service is broken beyond repair and the process should be restarted. */
  live: boolean;
  /** True when the service does its work now (a readiness probe may route traffic to it). */
  ready: boolean;
  /** A short human-readable reason, shown next to the service in `Host.health()`. */
  detail?: string;
}

/**
 * A long-running part of a process that a `Host` starts and stops in order: a controller, an HTTP
 * server, a scheduler, a leader-only loop (controller-runtime's `Runnable`, .NET's
 * `IHostedService`).
 *
 * The contract:
 * - `start(signal)` resolves once the service is started; the work itself goes on in the
 *   background. When it throws, the service must have released what it had acquired: the host
 *   marks it failed and does not call its `stop()`.
 * - `signal` aborts when the host no longer wants the service running: it gave up waiting for
 *   `start()` (the host is stopping), or it is about to call `stop()`. It is a hint for work in
 *   flight; `stop()` stays the one call that must leave the service stopped.
 * - `stop()` is idempotent and resolves once stopped. It may be called while `start()` is still
 *   running (a stop during boot) and must then undo what `start()` did.
 * - A service may be started again after `stop()` (leader-only services start when elected and
 *   stop when deposed), each time with a fresh `signal`.
 */
export interface HostedService {
  /** Unique within a host: health and logs name the service by it. */
  readonly name: string;
  /** Starts the service; resolves once it is started. */
  start(signal: AbortSignal): Promise<void>;
  /** Stops the service; idempotent; resolves once it is stopped. */
  stop(): Promise<void>;
  /** The service's own view of its health. Without it, a running service counts as live and ready. */
  health?(): ServiceHealth;
}
