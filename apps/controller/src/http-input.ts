import type { NestExpressApplication } from '@nestjs/platform-express';
import { APP_CONFIG, AppConfig } from '@gridflex/config';

/**
 * JSON and form bodies up to `HTTP_JSON_LIMIT_BYTES`; a larger one is a 413 (see `SafeExceptionsFilter`).
 * Registered before Nest's own parsers, which then skip theirs, so it must run before `listen`.
 */
export function configureHttpInput(app: NestExpressApplication): void {
  const limit = app.get<AppConfig>(APP_CONFIG).HTTP_JSON_LIMIT_BYTES;
  app.useBodyParser('json', { limit });
  app.useBodyParser('urlencoded', { limit, extended: true });
}
