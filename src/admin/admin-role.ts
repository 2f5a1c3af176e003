/** What a caller may do: `read` sees everything (GET only); `operate` also pauses, triggers, retries, … */
export type AdminRole = 'read' | 'operate';
