/** A value that survives `JSON.stringify` → `JSON.parse` unchanged. Payloads and results are this. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
