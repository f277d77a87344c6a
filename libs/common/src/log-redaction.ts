/**
 * `url` without its query string, which becomes `?[redacted]`, for access logs: a client may put an API key or
 * a token in a query string (we refuse it, but the log line is written regardless), and no route of ours takes
 * a query worth logging. Even parameter names are dropped: a bare `?<key>` is a name.
 */
export function redactQueryString(url: string): string {
  const start = url.search(/[?#]/);
  if (start < 0) return url;
  return url[start] === '?' ? `${url.slice(0, start)}?[redacted]` : url.slice(0, start);
}
