import type { JsonValue } from '../index.ts';

/** How many characters of a payload's JSON a listing shows. */
export const previewChars = 200;

/** A payload as a listing shows it: whole when its JSON is short, else the start of its JSON. */
export interface PayloadPreview {
  /** The payload itself, or (when `truncated`) a string: the first {@link previewChars} characters of its JSON and `…`. */
  value: JsonValue;
  /** The size of its JSON in bytes of UTF-8 (as `maxPayloadBytes` counts it). */
  bytes: number;
  truncated: boolean;
}

/**
 * A listing's view of a payload (`data`, `result`): listings stay small however large each
 * payload is; the detail routes return it whole.
 */
export function payloadPreview(value: JsonValue): PayloadPreview {
  const json = JSON.stringify(value);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (json.length <= previewChars) return { value, bytes, truncated: false };
  // Never cut a surrogate pair in two (the preview must stay valid UTF-16).
  const end = /[\uD800-\uDBFF]/.test(json.charAt(previewChars - 1)) ? previewChars - 1 : previewChars;
  return { value: `${json.slice(0, end)}…`, bytes, truncated: true };
}
