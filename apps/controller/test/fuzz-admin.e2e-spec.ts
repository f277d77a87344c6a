import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import fc from 'fast-check';
import request from 'supertest';
import {
  BACKGROUND_CHANGES,
  checkProperty,
  databaseDigest,
  EventLoopLagMonitor,
  FUZZ,
  jsonText,
  malformedJsonText,
  mutationsOf,
  nastyScalar,
  propertyTimeoutMs,
  settledDigest,
  HTTP_FUZZ_CONTROLLER,
} from './fuzz-harness';
import { registerCharger, startController, TEST_API_KEY, TestController } from './test-controller';

type Method = 'post' | 'put' | 'patch';

/** An admin route with a valid body; `path` fills in the ids of the fixtures. */
interface Route {
  method: Method;
  path: (ids: Fixtures) => string;
  valid: (ids: Fixtures) => object;
}

interface Fixtures {
  siteId: string;
  chargerId: string;
  circuitId: string;
  peerId: string;
  identity: string;
}

const amps = (a: number) => ({ l1: a, l2: a, l3: a });
const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

function route(method: Method, name: string, path: Route['path'], valid: Route['valid']): Route {
  return { method, path, valid, [fc.toStringMethod]: () => `${method.toUpperCase()} ${name}` } as Route;
}

const ROUTES: Route[] = [
  route(
    'post',
    'sites',
    () => '/api/v1/sites',
    () => ({ name: 'Depot', groupId: 'grp-admin', nominalVoltageV: 230, gridLimitA: amps(63) }),
  ),
  route(
    'patch',
    'sites/:id',
    ({ siteId }) => `/api/v1/sites/${siteId}`,
    () => ({ name: 'Renamed', gridLimitA: amps(50) }),
  ),
  route(
    'put',
    'sites/:id/group',
    ({ siteId }) => `/api/v1/sites/${siteId}/group`,
    () => ({ groupId: 'grp-other' }),
  ),
  route(
    'post',
    'sites/:id/chargers',
    ({ siteId }) => `/api/v1/sites/${siteId}/chargers`,
    () => ({
      identity: 'CP-FUZZ-NEW',
      ocppVersion: '1.6',
      connectors: [{ connectorId: 1, maxCurrentA: 32, phases: 3 }],
    }),
  ),
  route(
    'patch',
    'sites/:id/chargers/:chargerId',
    ({ siteId, chargerId }) => `/api/v1/sites/${siteId}/chargers/${chargerId}`,
    ({ circuitId }) => ({ circuitId, maxCurrentA: 30, phaseRotation: ['L1', 'L2', 'L3'] }),
  ),
  route(
    'patch',
    'sites/:id/chargers/:chargerId/connectors/1',
    ({ siteId, chargerId }) => `/api/v1/sites/${siteId}/chargers/${chargerId}/connectors/1`,
    () => ({ maxCurrentA: 16, minCurrentA: 6, priority: 2 }),
  ),
  route(
    'put',
    'sites/:id/chargers/:chargerId/connectors/1/session',
    ({ siteId, chargerId }) => `/api/v1/sites/${siteId}/chargers/${chargerId}/connectors/1/session`,
    () => ({ priority: 1, energyWantedWh: 10_000, departureAt: inMinutes(120) }),
  ),
  route(
    'post',
    'sites/:id/circuits',
    ({ siteId }) => `/api/v1/sites/${siteId}/circuits`,
    ({ circuitId }) => ({ name: 'Bay', parentId: circuitId, limitA: amps(20) }),
  ),
  route(
    'put',
    'sites/:id/circuits/:circuitId',
    ({ siteId, circuitId }) => `/api/v1/sites/${siteId}/circuits/${circuitId}`,
    () => ({ name: 'Feeder', limitA: amps(40) }),
  ),
  route(
    'post',
    'sites/:id/base-load/readings',
    ({ siteId }) => `/api/v1/sites/${siteId}/base-load/readings`,
    () => ({ currentA: amps(3) }),
  ),
  route(
    'post',
    'sites/:id/bookings',
    ({ siteId }) => `/api/v1/sites/${siteId}/bookings`,
    ({ chargerId }) => ({
      chargerId,
      connectorId: 1,
      arrivalFrom: inMinutes(10),
      arrivalUntil: inMinutes(40),
      departureAt: inMinutes(240),
      energyWantedWh: 20_000,
      priority: 10,
    }),
  ),
  route(
    'post',
    'sites/:id/peak-shaving-rules',
    ({ siteId }) => `/api/v1/sites/${siteId}/peak-shaving-rules`,
    () => ({ name: 'peak', startTime: '17:00', endTime: '20:00', limitKw: 13.8 }),
  ),
  route(
    'post',
    'sites/:id/tariffs',
    ({ siteId }) => `/api/v1/sites/${siteId}/tariffs`,
    () => ({ name: 'night', startTime: '00:00', endTime: '06:00', pricePerKwh: 0.1, currency: 'EUR' }),
  ),
  route(
    'post',
    'sites/:id/simulate',
    ({ siteId }) => `/api/v1/sites/${siteId}/simulate`,
    ({ identity }) => ({
      forecast: [{ start: inMinutes(0), end: inMinutes(60), limitA: amps(40) }],
      sessions: [{ chargerIdentity: identity, connectorId: 1 }],
    }),
  ),
  route(
    'post',
    'dso-peers',
    () => '/api/v1/dso-peers',
    () => ({ name: 'dso-new', token: 'fuzz-admin-token-0123456789' }),
  ),
  route(
    'patch',
    'dso-peers/:id',
    ({ peerId }) => `/api/v1/dso-peers/${peerId}`,
    () => ({ baseUrl: 'http://127.0.0.1:9/oscp/cp/2.0', peerToken: 'fuzz-peer-token-0123456789' }),
  ),
  route(
    'post',
    'dso-peers/:id/adjust-requests',
    ({ peerId }) => `/api/v1/dso-peers/${peerId}/adjust-requests`,
    () => ({
      group_id: 'grp-admin',
      type: 'CONSUMPTION',
      forecasted_blocks: [
        { capacity: 10, phase: 'ALL', unit: 'A', start_time: inMinutes(0), end_time: inMinutes(60) },
      ],
    }),
  ),
  route(
    'post',
    'chargers/:identity/configuration',
    ({ identity }) => `/api/v1/chargers/${identity}/configuration`,
    () => ({ key: 'HeartbeatInterval', value: '300' }),
  ),
  route(
    'post',
    'chargers/:identity/trigger-message',
    ({ identity }) => `/api/v1/chargers/${identity}/trigger-message`,
    () => ({ requestedMessage: 'StatusNotification', connectorId: 1 }),
  ),
];

describe('fuzzing the admin API with the admin key', () => {
  let controller: TestController;
  let server: Server;
  let fixtures: Fixtures;
  const lag = new EventLoopLagMonitor();

  beforeAll(async () => {
    controller = await startController(HTTP_FUZZ_CONTROLLER);
    server = controller.app.getHttpServer() as Server;
    const { admin } = controller;
    const siteId = (await admin.post('/api/v1/sites', ROUTES[0].valid({} as Fixtures)).expect(201)).body.id;
    const circuitId = (
      await admin.post(`/api/v1/sites/${siteId}/circuits`, { name: 'Feeder', limitA: amps(40) }).expect(201)
    ).body.id;
    const identity = 'CP-FUZZ';
    const chargerId = await registerCharger(controller, siteId, identity);
    const peerId = (
      await admin
        .post('/api/v1/dso-peers', { name: 'dso-admin', token: randomBytes(24).toString('hex') })
        .expect(201)
    ).body.id;
    fixtures = { siteId, chargerId, circuitId, peerId, identity };
    await settledDigest(controller.app, BACKGROUND_CHANGES);
    lag.start();
  });

  afterAll(async () => {
    lag.stop();
    await controller.app.close();
  });

  /**
   * The invariants for one request: never a 5xx; a refusal changes nothing in the database; the event loop
   * never stalls. An accepted request may change state: its effects (re-planning) settle before the next.
   */
  async function expectSafe(exchange: () => request.Test): Promise<void> {
    const before = await databaseDigest(controller.app, BACKGROUND_CHANGES);
    const response = await exchange();
    expect(response.status).toBeLessThan(500);
    if (response.status >= 400)
      expect(await databaseDigest(controller.app, BACKGROUND_CHANGES)).toEqual(before);
    else await settledDigest(controller.app, BACKGROUND_CHANGES);
    expect(lag.maxLagMs()).toBeLessThanOrEqual(FUZZ.maxLagMs);
  }

  function send(method: Method, path: string, apiKey = TEST_API_KEY): request.Test {
    return request(server)[method](path).set('X-API-Key', apiKey).type('application/json');
  }

  it(
    'answers adversarial bodies on every write route without a 5xx, and a refused one changes nothing',
    async () => {
      const input = fc
        .constantFrom(...ROUTES)
        .chain((chosen) => fc.tuple(fc.constant(chosen), mutationsOf(chosen.valid(fixtures))));
      await checkProperty('admin bodies', input, ([chosen, body]) =>
        expectSafe(() => send(chosen.method, chosen.path(fixtures)).send(jsonText(body))),
      );
    },
    propertyTimeoutMs(),
  );

  it(
    'refuses malformed JSON with a 4xx and changes nothing',
    async () => {
      const input = fc.tuple(fc.constantFrom(...ROUTES), malformedJsonText);
      await checkProperty('admin malformed json', input, ([chosen, text]) =>
        expectSafe(() => send(chosen.method, chosen.path(fixtures)).send(text)),
      );
    },
    propertyTimeoutMs(),
  );

  it(
    'answers adversarial ids in paths without a 5xx, and a refusal changes nothing',
    async () => {
      const id = fc.oneof(
        // Through a Buffer: a lone surrogate becomes U+FFFD, which encodeURIComponent can encode.
        nastyScalar.map((value) => encodeURIComponent(Buffer.from(String(value)).toString()).slice(0, 3000)),
        fc.uuid(),
        fc.constantFrom('..', '%2e%2e', '%00', '%', '%ZZ', '1e3', '-1', '99999999999999999999'),
      );
      const input = fc.tuple(
        fc.constantFrom(...ROUTES),
        id,
        fc.constantFrom<keyof Fixtures>('siteId', 'chargerId', 'circuitId', 'peerId', 'identity'),
      );
      await checkProperty('admin path ids', input, ([chosen, value, replaced]) => {
        const ids = { ...fixtures, [replaced]: value };
        return expectSafe(() => send(chosen.method, chosen.path(ids)).send(jsonText(chosen.valid(fixtures))));
      });
    },
    propertyTimeoutMs(),
  );

  it(
    'refuses every request without the admin key with a 401 and changes nothing',
    async () => {
      const apiKey = fc.oneof(
        fc.string({ unit: 'grapheme-ascii', maxLength: 80 }),
        fc.constantFrom('', ' ', TEST_API_KEY.slice(0, -1), `${TEST_API_KEY}x`, ` x${TEST_API_KEY}`),
      );
      const input = fc.tuple(fc.constantFrom(...ROUTES), apiKey);
      await checkProperty('admin wrong key', input, async ([chosen, key]) => {
        const before = await databaseDigest(controller.app, BACKGROUND_CHANGES);
        const response = await send(chosen.method, chosen.path(fixtures), key).send(
          jsonText(chosen.valid(fixtures)),
        );
        expect([401, 403, 429]).toContain(response.status);
        expect(await databaseDigest(controller.app, BACKGROUND_CHANGES)).toEqual(before);
      });
    },
    propertyTimeoutMs(),
  );

  it('still answers afterwards', async () => {
    await controller.admin.get(`/api/v1/sites/${fixtures.siteId}`).expect(200);
    expect(lag.maxLagMs()).toBeLessThanOrEqual(FUZZ.maxLagMs);
  });
});
