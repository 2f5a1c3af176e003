/**
 * The dashboard's session cookie on the wire. Its value is an opaque session (see
 * `admin-sessions.ts`), never a token, and is made only of characters a cookie may carry as they
 * are: nothing is percent-decoded, so a malformed value is just a value that does not verify.
 */
export const sessionCookieName = 'sundial_session';

/**
 * Every value of the session cookie in a `Cookie` header, in the order sent. There may be several:
 * cookies are not isolated by port, so another service on this host can set one with the same
 * name for a longer path, which the browser then sends first.
 */
export function sessionCookieValues(header: string | undefined): string[] {
  if (header === undefined) return [];
  const values: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === sessionCookieName) values.push(part.slice(eq + 1).trim());
  }
  return values;
}

/**
 * `Set-Cookie` for a session: `HttpOnly` (scripts cannot read it), `SameSite=Strict` (other sites'
 * requests do not carry it), only under the API path, `Secure` when the page is on HTTPS.
 */
export function sessionSetCookie(value: string, options: { apiPath: string; maxAgeS: number; secure: boolean }): string {
  return `${sessionCookieName}=${value}; Path=${options.apiPath}; HttpOnly; SameSite=Strict; Max-Age=${options.maxAgeS}${options.secure ? '; Secure' : ''}`;
}

/** `Set-Cookie` that deletes the session cookie. */
export function sessionClearCookie(options: { apiPath: string; secure: boolean }): string {
  return sessionSetCookie('', { ...options, maxAgeS: 0 });
}
