// The booking state machine of the seed's ADR-006, as pure data and one pure function: which
// transition applies from which status. The API and the jobs both call `decide()` on the row they
// hold locked, so whoever comes second sees the first one's result and does nothing.
//
//   requested ──confirm (API)──▶ scheduled ──start (job at startsAt)──▶ active ──end (job at endsAt + grace)──▶ ended
//       └──────expire (job at createdAt + TTL)──▶ expired
//
// The reminder is not a transition: it is sent once, while the booking is scheduled.

export const bookingStatuses = ['requested', 'scheduled', 'active', 'ended', 'expired'] as const;
export type BookingStatus = (typeof bookingStatuses)[number];

/** Each transition, the one status it applies from, the status it leads to, and the event it records. */
export const bookingTransitions = {
  confirm: { from: 'requested', to: 'scheduled', event: 'confirmed' },
  expire: { from: 'requested', to: 'expired', event: 'expired' },
  start: { from: 'scheduled', to: 'active', event: 'started' },
  end: { from: 'active', to: 'ended', event: 'ended' },
} as const satisfies Record<string, { from: BookingStatus; to: BookingStatus; event: string }>;
export type BookingTransition = keyof typeof bookingTransitions;

/** What is written to `booking_events`: the creation, every transition, and the reminder. */
export type BookingEvent = 'requested' | (typeof bookingTransitions)[BookingTransition]['event'] | 'reminded';

export const finalStatuses: ReadonlySet<BookingStatus> = new Set(['ended', 'expired']);

export type Decision =
  | { kind: 'apply'; from: BookingStatus; to: BookingStatus; event: BookingEvent }
  /** Already there: the transition was applied before (a retried job, a double click). */
  | { kind: 'done'; status: BookingStatus }
  /** Another transition won (confirmed before it expired, or expired before the confirm). */
  | { kind: 'refused'; status: BookingStatus };

/** Whether `transition` applies to a booking in `status`. Never throws: every outcome is an answer. */
export function decide(transition: BookingTransition, status: BookingStatus): Decision {
  const { from, to, event } = bookingTransitions[transition];
  if (status === from) return { kind: 'apply', from, to, event };
  if (status === to || reachableFrom(to).has(status)) return { kind: 'done', status };
  return { kind: 'refused', status };
}

/** The statuses a booking may reach after `status` (not including it). */
export function reachableFrom(status: BookingStatus): ReadonlySet<BookingStatus> {
  const reached = new Set<BookingStatus>();
  const frontier: BookingStatus[] = [status];
  for (let next = frontier.pop(); next !== undefined; next = frontier.pop()) {
    for (const { from, to } of Object.values(bookingTransitions)) {
      if (from === next && !reached.has(to)) {
        reached.add(to);
        frontier.push(to);
      }
    }
  }
  return reached;
}

/** Whether a reminder is due to be sent: once, and only while the session has not started. */
export function shouldRemind(status: BookingStatus, remindedAtMs: number | null): boolean {
  return status === 'scheduled' && remindedAtMs === null;
}
