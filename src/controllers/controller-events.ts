/** Every event a controller emits, in one typed map (`noun.pastVerb`). */
export interface ControllerEvents {
  /**
   * A reconcile of `key` ended without an error. `requeueAfterMs` is set when the key comes back
   * by itself: `{ requeueAfter }`, or the rate limiter's delay for `{ requeue: true }`.
   */
  'controller.reconciled': { controller: string; key: string; durationMs: number; requeueAfterMs?: number };
  /**
   * A reconcile of `key` threw. `retries` is how many rate-limited retries preceded this attempt
   * (the reconcile's `ctx.retries`); `retryInMs` is when it runs again, or null for a
   * `TerminalError` (the key is not retried until something adds it again).
   */
  'controller.failed': { controller: string; key: string; error: Error; retries: number; retryInMs: number | null };
  /** `list()` ran (at start, then every `resyncEvery`) and every key it returned was added. */
  'controller.resynced': { controller: string; keys: number };
}

/** The name of a controller event: a key of `ControllerEvents`. */
export type ControllerEventName = keyof ControllerEvents;
/** A listener of the controller event `E`, called with its payload (see `Controller.on`). */
export type ControllerEventListener<E extends ControllerEventName> = (payload: ControllerEvents[E]) => void;

/**
 * A tiny typed emitter. A throwing listener never breaks the controller: it is handed to
 * `onListenerError` (the controller logs it) and the other listeners still run.
 */
export class ControllerEventEmitter {
  readonly #listeners = new Map<ControllerEventName, Set<(payload: never) => void>>();
  readonly #onListenerError: (error: unknown, event: ControllerEventName) => void;

  constructor(onListenerError: (error: unknown, event: ControllerEventName) => void) {
    this.#onListenerError = onListenerError;
  }

  /** Subscribes `listener`; returns the function that unsubscribes it. */
  on<E extends ControllerEventName>(event: E, listener: ControllerEventListener<E>): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  emit<E extends ControllerEventName>(event: E, payload: ControllerEvents[E]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    // A copy: a listener that subscribes another one while we iterate must not see it called now.
    // oxlint-disable-next-line unicorn/no-useless-spread
    for (const listener of [...set]) {
      try {
        (listener as ControllerEventListener<E>)(payload);
      } catch (error) {
        this.#onListenerError(error, event);
      }
    }
  }
}
