import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { validateEnvironment } from '@gridflex/config';
import { AppModule } from './app.module';
import { ensureRedis } from './dev-redis';
import { configureHttpInput } from './http-input';
import { setupOpenApi } from './openapi';
import { httpsOptions } from './tls';

/** A stop that hangs (Redis gone, a peer that never answers) must still end the process. */
const SHUTDOWN_DEADLINE_MS = 30_000;

function exitIfShutdownHangs(): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        console.error(`Shutdown did not finish within ${SHUTDOWN_DEADLINE_MS / 1000} s: exiting`);
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS).unref();
    });
  }
}

/** Files we create (generated keys, PGlite's data, the development Redis's) are for our user alone. */
const OWNER_ONLY_UMASK = 0o077;

async function bootstrap(): Promise<void> {
  process.umask(OWNER_ONLY_UMASK);
  const config = validateEnvironment(process.env);
  const devRedis = await ensureRedis(config.REDIS_URL, config.REDIS_AUTOSTART);
  const https = httpsOptions(config);
  const app = await NestFactory.create(AppModule.forRoot(), { bufferLogs: true, httpsOptions: https });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  exitIfShutdownHangs();
  configureHttpInput(app);
  setupOpenApi(app);
  await app.listen(config.PORT, config.HOST);
  const logger = app.get(Logger);
  const [http, ws] = https ? ['https', 'wss'] : ['http', 'ws'];
  logger.log(`gridflex controller listening on ${http}://${config.HOST}:${config.PORT}`, 'Bootstrap');
  logger.log(`OCPP endpoint ${ws}://${config.HOST}:${config.PORT}/ocpp/{identity}`, 'Bootstrap');
  if (devRedis) {
    logger.log('Started a private redis-server for development (data in ./data/redis)', 'Bootstrap');
    process.once('exit', () => devRedis.kill());
  }
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
