/** What a `LeaderElector` tells its listeners (and, published, every node's cluster listeners). */
export interface LeaderEventMap {
  /** This node became the leader under `term`. */
  'leader.elected': { name: string; nodeId: string; term: number };
  /** This node stopped leading: another took over (`lost`), it could not renew in time, or it stopped. */
  'leader.deposed': { name: string; nodeId: string; term: number; reason: 'lost' | 'renew-deadline' | 'stopped' };
  /** The leader this node sees changed (null: none, after a release). */
  'leader.changed': { name: string; leader: string | null; term: number };
}

/** A tiny typed emitter; a throwing listener is reported, never a reason to stop the election loop. */
export class LeaderEvents {
  readonly #listeners = new Map<keyof LeaderEventMap, Set<(payload: never) => void>>();
  readonly #onListenerError: (error: unknown, event: string) => void;

  constructor(onListenerError: (error: unknown, event: string) => void) {
    this.#onListenerError = onListenerError;
  }

  on<E extends keyof LeaderEventMap>(event: E, listener: (payload: LeaderEventMap[E]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  emit<E extends keyof LeaderEventMap>(event: E, payload: LeaderEventMap[E]): void {
    // A copy: a listener that subscribes another must not see it called for this event.
    // oxlint-disable-next-line unicorn/no-useless-spread
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        (listener as (payload: LeaderEventMap[E]) => void)(payload);
      } catch (error) {
        this.#onListenerError(error, event);
      }
    }
  }
}
