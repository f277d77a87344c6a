import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import { pgliteTemplateFile } from '@gridflex/persistence/testing';
import { SimulatedCharger, SimulatedChargerOptions, SimulatedDso } from '@gridflex/simulator';
import { AppModule } from '../src/app.module';
import { configureHttpInput } from '../src/http-input';
import { setupOpenApi } from '../src/openapi';

export const TEST_API_KEY = randomBytes(24).toString('hex');

export interface TestController {
  app: INestApplication;
  /** `127.0.0.1:<port>`; OCPP at `ws://<host>/ocpp`, OSCP at `http://<host>/oscp/fp/2.0`. */
  host: string;
  /** The admin API, with the key set. */
  admin: {
    get(path: string): request.Test;
    post(path: string, body: object): request.Test;
    put(path: string, body: object): request.Test;
    patch(path: string, body: object): request.Test;
  };
}

/** The whole controller as `main.ts` wires it, on a free port, with its own queue prefix on the real Redis. */
export async function startController(overrides: Record<string, unknown> = {}): Promise<TestController> {
  const app = await NestFactory.create(
    AppModule.forRoot({
      ...(await inMemoryDatabase(overrides)),
      ADMIN_API_KEY: TEST_API_KEY,
      OSCP_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      QUEUE_PREFIX: `gridflex-e2e-${randomBytes(4).toString('hex')}`,
      LOG_LEVEL: 'warn',
      DISPATCH_BACKOFF_MS: 100,
      // The longest hold: a profile's open-ended end then always outlasts the tests' forecasts, so the shape
      // of the profiles they expect does not depend on the time of day (see failsafe-hold.e2e-spec.ts).
      OCPP_FAILSAFE_HOLD_S: 86400,
      // Most tests' chargers connect without booting: protected at once, as chargers that reconnected.
      OCPP_BOOT_WAIT_MS: 0,
      ...overrides,
    }),
    { logger: ['error'] },
  );
  configureHttpInput(app);
  setupOpenApi(app);
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as Server;
  const { port } = server.address() as AddressInfo;
  return {
    app,
    host: `127.0.0.1:${port}`,
    admin: {
      get: (path) => request(server).get(path).set('X-API-Key', TEST_API_KEY),
      post: (path, body) => request(server).post(path).set('X-API-Key', TEST_API_KEY).send(body),
      put: (path, body) => request(server).put(path).set('X-API-Key', TEST_API_KEY).send(body),
      patch: (path, body) => request(server).patch(path).set('X-API-Key', TEST_API_KEY).send(body),
    },
  };
}

/** An in-memory PGlite loaded from the migrated template, unless the test chose its own database. */
async function inMemoryDatabase(overrides: Record<string, unknown>): Promise<Record<string, string>> {
  if (overrides.PGLITE_DATA_DIR !== undefined) return {};
  return { PGLITE_DATA_DIR: 'memory://', PGLITE_TEMPLATE_FILE: await pgliteTemplateFile() };
}

/** Polls until `probe` returns a value; for outcomes that arrive asynchronously (queues, sockets). */
export async function waitFor<T>(probe: () => Promise<T | undefined>, attempts = 200): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('condition not met');
}

/** A CONSUMPTION forecast of one block, from a minute ago to an hour ahead: its capacity applies now. */
export function sendCurrentForecast(dso: SimulatedDso, groupId: string, capacityA: number) {
  const now = Date.now();
  return dso.sendCapacityForecast({
    groupId,
    type: 'CONSUMPTION',
    blocks: [
      {
        capacity: capacityA,
        phase: 'ALL',
        unit: 'A',
        start_time: new Date(now - 60_000).toISOString(),
        end_time: new Date(now + 3_600_000).toISOString(),
      },
    ],
  });
}

/**
 * Registers a 1.6 charger at the site, with one 32 A three-phase connector unless `fields` say otherwise.
 * @returns the charger's id
 */
export async function registerCharger(
  controller: TestController,
  siteId: string,
  identity: string,
  fields: Record<string, unknown> = {},
): Promise<string> {
  const { body } = await controller.admin
    .post(`/api/v1/sites/${siteId}/chargers`, {
      identity,
      ocppVersion: '1.6',
      connectors: [{ connectorId: 1, maxCurrentA: 32, phases: 3 }],
      ...fields,
    })
    .expect(201);
  return body.id as string;
}

/** A simulated charger (1.6, one connector, unless `options` say otherwise) connected to the controller. */
export async function connectCharger(
  controller: TestController,
  identity: string,
  options: Partial<SimulatedChargerOptions> = {},
): Promise<SimulatedCharger> {
  const charger = new SimulatedCharger({
    endpoint: `ws://${controller.host}/ocpp`,
    identity,
    connectorCount: 1,
    ...options,
  });
  await charger.connect();
  return charger;
}
