import { ValidateBy, ValidationOptions } from 'class-validator';

/** Unreserved characters (RFC 3986 §2.3) only, so that a segment needs no encoding and cannot escape. */
const PATH_SEGMENT = /^[A-Za-z0-9._~-]+$/;
const DOT_SEGMENT = /^\.{1,2}$/;

const DELETE = 0x7f;

/** C0 controls and DEL: never part of a URL we build, and a way to smuggle line breaks into requests. */
export function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === DELETE) return true;
  }
  return false;
}

/** Whether a path contains a `.` or `..` segment, raw or percent-encoded, which would climb out of its base. */
export function hasDotSegment(path: string): boolean {
  return path.split('/').some((segment) => DOT_SEGMENT.test(segment.replace(/%2e/gi, '.')));
}

/**
 * A path relative to a base URL, such as `handshake_ack` or `v2/heartbeat`: unreserved characters in
 * non-empty segments, none of them `.` or `..`; no scheme, no leading `/`, no query.
 */
export function isRelativeUrlPath(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 500) return false;
  const segments = value.split('/');
  return segments.every((segment) => PATH_SEGMENT.test(segment) && !DOT_SEGMENT.test(segment));
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/**
 * An `http://` or `https://` URL to build request URLs on: no control characters, no credentials, no
 * `.`/`..` segments, no query or fragment, no trailing slash.
 */
export function isHttpBaseUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 2000 || hasControlCharacter(value) || /\s/.test(value)) {
    return false;
  }
  if (!/^https?:\/\/[^/]+(\/.*[^/])?$/i.test(value)) return false;
  const url = parseUrl(value);
  if (!url || url.username || url.password || url.search || url.hash || value.includes('?')) return false;
  const rawPath = value.replace(/^https?:\/\/[^/]+/i, '');
  return !hasDotSegment(rawPath);
}

export function IsRelativeUrlPath(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRelativeUrlPath',
      validator: {
        validate: isRelativeUrlPath,
        defaultMessage: (args) =>
          `${args?.property} must be a relative URL path such as "handshake_ack" or "v2/heartbeat": ` +
          `letters, digits and - . _ ~ in segments separated by /, without . or .. segments`,
      },
    },
    options,
  );
}

export function IsHttpBaseUrl(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isHttpBaseUrl',
      validator: {
        validate: isHttpBaseUrl,
        defaultMessage: (args) =>
          `${args?.property} must be an http:// or https:// URL without a trailing slash, credentials, ` +
          `query, control characters or . and .. segments`,
      },
    },
    options,
  );
}

/** A URL or path that stays where it points: no control characters and no `.`/`..` segments in its path. */
export function IsFreeOfPathTraversal(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isFreeOfPathTraversal',
      validator: {
        validate: (value) =>
          typeof value === 'string' &&
          !hasControlCharacter(value) &&
          !hasDotSegment(value.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').split(/[?#]/, 1)[0]),
        defaultMessage: (args) =>
          `${args?.property} must not contain control characters or . and .. segments`,
      },
    },
    options,
  );
}
