import type { Params } from 'nestjs-pino';
import { redactQueryString } from '@gridflex/common';
import type { AppConfig } from '@gridflex/config';

interface SerializedRequest {
  url?: string;
  query?: unknown;
  [field: string]: unknown;
}

/** The access log's request without its query string, where a client may have put a key or a token. */
export function serializeRequest(request: SerializedRequest): SerializedRequest {
  const { query: _query, ...rest } = request;
  return { ...rest, url: rest.url === undefined ? undefined : redactQueryString(rest.url) };
}

/** Structured logs; credentials in headers and query strings never reach them. */
export function loggerOptions(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.LOG_LEVEL,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["proxy-authorization"]',
          'req.headers["x-api-key"]',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
        ],
        censor: '[redacted]',
      },
      serializers: { req: serializeRequest },
      transport: process.stdout.isTTY ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
      genReqId: (req) => (req.headers['x-request-id'] as string | undefined) ?? crypto.randomUUID(),
    },
  };
}
