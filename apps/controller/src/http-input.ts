import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { APP_CONFIG, AppConfig } from '@gridflex/config';

/**
 * JSON and form bodies up to `HTTP_JSON_LIMIT_BYTES`; a larger one is a 413 (see `SafeExceptionsFilter`).
 * Registered before Nest's own parsers, which then skip theirs, so it must run before `listen`.
 */
export function configureHttpInput(app: INestApplication): void {
  const limit = app.get<AppConfig>(APP_CONFIG).HTTP_JSON_LIMIT_BYTES;
  // The controller always runs on Express (`@nestjs/platform-express`).
  const express = app as NestExpressApplication;
  express.useBodyParser('json', { limit });
  express.useBodyParser('urlencoded', { limit, extended: true });
}
