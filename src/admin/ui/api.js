// Talks to the admin API next to this page (relative URLs, so any base path works).
const tokenKey = 'sundial.token';
const apiBase = new URL('api/', document.baseURI);

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The token lives in sessionStorage: it is gone when the tab closes, and other sites cannot read it. */
export function storedToken() {
  return sessionStorage.getItem(tokenKey);
}

export function storeToken(token) {
  if (token === null) sessionStorage.removeItem(tokenKey);
  else sessionStorage.setItem(tokenKey, token);
}

/**
 * Calls the API. Writes carry X-Sundial-Csrf and the bearer token in a header: headers are
 * never attached by the browser on its own, which is what makes forged cross-site requests fail.
 * (The session cookie alone only reads: without a token in this tab, writes are refused.)
 */
export async function api(path, { method = 'GET', body, token = storedToken() } = {}) {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (method !== 'GET') headers['x-sundial-csrf'] = '1';
  if (body !== undefined) headers['content-type'] = 'application/json';
  const init = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(new URL(path, apiBase), init);
  const payload = await response.json().catch(() => null);
  if (!response.ok) {
    const error = payload && payload.error ? payload.error : { code: 'HTTP_' + response.status, message: response.statusText };
    throw new ApiError(response.status, error.code, error.message);
  }
  return payload;
}

/**
 * The event stream; the session cookie (set at sign-in, HttpOnly) authenticates it. A new stream
 * resumes after `lastEventId` (the browser sends the header itself only when it reconnects).
 */
export function openEvents(lastEventId) {
  const url = new URL('events', apiBase);
  if (lastEventId) url.searchParams.set('lastEventId', lastEventId);
  return new EventSource(url);
}

/** A query string from an object, skipping empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
