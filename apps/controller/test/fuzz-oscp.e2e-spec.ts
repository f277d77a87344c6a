import { randomBytes, randomUUID } from 'node:crypto';
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
  nastyValue,
  propertyTimeoutMs,
  settledDigest,
  HTTP_FUZZ_CONTROLLER,
} from './fuzz-harness';
import { startController, TestController } from './test-controller';

const OSCP = '/oscp/fp/2.0';
const GROUP = 'grp-fuzz';

type Endpoint = { method: 'post' | 'put'; path: string; valid: () => object };

/** An endpoint and a valid body for it, shown in a failure report as `POST path`. */
function endpoint(method: Endpoint['method'], path: string, valid: () => object): Endpoint {
  return { method, path, valid, [fc.toStringMethod]: () => `${method.toUpperCase()} ${path}` } as Endpoint;
}

function validForecast(): object {
  const now = Date.now();
  return {
    group_id: GROUP,
    type: 'CONSUMPTION',
    forecasted_blocks: [
      {
        capacity: 24,
        phase: 'ALL',
        unit: 'A',
        start_time: new Date(now - 60_000).toISOString(),
        end_time: new Date(now + 3_600_000).toISOString(),
      },
    ],
  };
}

const validRegister = () => ({
  token: 'fuzz-peer-token-0123456789abcdef',
  version_url: [{ version: '2.0', base_url: '/x' }],
});

const ENDPOINTS: Endpoint[] = [
  endpoint('post', 'update_group_capacity_forecast', validForecast),
  endpoint('post', 'register', validRegister),
  endpoint('put', 'register', validRegister),
  endpoint('post', 'handshake', () => ({
    required_behaviour: { heartbeat_interval: 60, measurement_configuration: [] },
  })),
  endpoint('post', 'handshake_acknowledgment', () => ({
    required_behaviour: { measurement_configuration: [] },
  })),
  endpoint('post', 'heartbeat', () => ({ offline_mode_at: new Date(Date.now() + 600_000).toISOString() })),
];

/** Printable ASCII: what a header can carry (supertest refuses control characters itself). */
const headerText = (maxLength: number) => fc.string({ unit: 'grapheme-ascii', maxLength });

/** OSCP's answer to a Register that offers no version 2.0, a refusal like a 4xx (docs/dso.md, "Register"). */
function offersNoVersion2(endpoint: Pick<Endpoint, 'path'>, status: number): boolean {
  return endpoint.path === 'register' && status === 501;
}

describe('fuzzing the OSCP endpoints with a valid token', () => {
  let controller: TestController;
  let server: Server;
  /** The token of the current peer; an accepted POST register replaces it, and a new peer takes over. */
  let token: string;
  let peerId: string | undefined;
  const lag = new EventLoopLagMonitor();

  beforeAll(async () => {
    controller = await startController(HTTP_FUZZ_CONTROLLER);
    server = controller.app.getHttpServer() as Server;
    await controller.admin
      .post('/api/v1/sites', {
        name: 'Fuzzed depot',
        groupId: GROUP,
        nominalVoltageV: 230,
        gridLimitA: { l1: 63, l2: 63, l3: 63 },
      })
      .expect(201);
    await newPeer();
    await settledDigest(controller.app, BACKGROUND_CHANGES);
    lag.start();
  });

  afterAll(async () => {
    lag.stop();
    await controller.app.close();
  });

  /**
   * A peer with a fresh token, bound to the group where peers are bound to groups (`groupIds`, refused with 400
   * where they are not); the previous peer lets go of the group first.
   */
  async function newPeer(): Promise<void> {
    if (peerId) await controller.admin.patch(`/api/v1/dso-peers/${peerId}`, { groupIds: [] });
    token = randomBytes(24).toString('hex');
    const peer = { name: `dso-${token.slice(0, 8)}`, token };
    let created = await controller.admin.post('/api/v1/dso-peers', { ...peer, groupIds: [GROUP] });
    if (created.status === 400) created = await controller.admin.post('/api/v1/dso-peers', peer);
    expect(created.status).toBe(201);
    peerId = created.body.id as string;
  }

  function send(endpoint: Pick<Endpoint, 'method' | 'path'>, headers: Record<string, string> = {}) {
    return request(server)
      [endpoint.method](`${OSCP}/${endpoint.path}`)
      .set('Authorization', `Token ${token}`)
      .set('X-Request-ID', randomUUID())
      .set(headers);
  }

  /**
   * The invariants for one input: never a 5xx; a refusal changes nothing in the database; the event loop
   * never stalls. An accepted input may change state: its effects settle before the next input.
   */
  async function expectSafe(endpoint: Pick<Endpoint, 'method' | 'path'>, exchange: () => request.Test) {
    const before = await databaseDigest(controller.app, BACKGROUND_CHANGES);
    const response = await exchange();
    if (!offersNoVersion2(endpoint, response.status)) expect(response.status).toBeLessThan(500);
    if (response.status >= 400) {
      expect(await databaseDigest(controller.app, BACKGROUND_CHANGES)).toEqual(before);
    } else {
      await settledDigest(controller.app, BACKGROUND_CHANGES);
      // Our Register back carries a new token for the peer, sent to wherever the fuzzed body pointed.
      if (endpoint.method === 'post' && endpoint.path === 'register') await newPeer();
    }
    expect(lag.maxLagMs()).toBeLessThanOrEqual(FUZZ.maxLagMs);
  }

  it(
    'answers adversarial forecasts without a 5xx, and a refused one changes nothing',
    async () => {
      const forecast = ENDPOINTS[0];
      await checkProperty('oscp forecast bodies', mutationsOf(forecast.valid()), (body) =>
        expectSafe(forecast, () => send(forecast).type('application/json').send(jsonText(body))),
      );
    },
    propertyTimeoutMs(),
  );

  it(
    'answers any body on any OSCP endpoint without a 5xx, and a refused one changes nothing',
    async () => {
      const input = fc
        .constantFrom(...ENDPOINTS)
        .chain((endpoint) =>
          fc.tuple(fc.constant(endpoint), fc.oneof(mutationsOf(endpoint.valid()), nastyValue)),
        );
      await checkProperty('oscp endpoint bodies', input, ([endpoint, body]) =>
        expectSafe(endpoint, () => send(endpoint).type('application/json').send(jsonText(body))),
      );
    },
    propertyTimeoutMs(),
  );

  it(
    'refuses malformed JSON with a 4xx and changes nothing',
    async () => {
      const input = fc.tuple(fc.constantFrom(...ENDPOINTS), malformedJsonText);
      await checkProperty('oscp malformed json', input, ([endpoint, text]) =>
        expectSafe(endpoint, () => send(endpoint).type('application/json').send(text)),
      );
    },
    propertyTimeoutMs(),
  );

  it(
    'answers adversarial headers without a 5xx, and a refusal changes nothing',
    async () => {
      const headers = fc.record(
        {
          'X-Request-ID': fc.oneof(headerText(300), fc.constant('x'.repeat(10_000))),
          'X-Segment-Index': fc.oneof(headerText(8), fc.integer({ min: -5, max: 2000 }).map(String)),
          'X-Segment-Count': fc.oneof(headerText(8), fc.integer({ min: -5, max: 2000 }).map(String)),
          'X-Correlation-ID': headerText(300),
          'Content-Type': fc.constantFrom(
            'application/json',
            'application/json; charset=utf-16',
            'text/plain',
            'application/x-www-form-urlencoded',
            'application/json; charset=latin1',
          ),
        },
        { requiredKeys: [] },
      );
      const input = fc.tuple(fc.constantFrom(...ENDPOINTS), headers);
      await checkProperty('oscp headers', input, ([endpoint, extra]) =>
        expectSafe(endpoint, () => send(endpoint, extra).send(JSON.stringify(endpoint.valid()))),
      );
    },
    propertyTimeoutMs(),
  );

  it(
    'refuses adversarial Authorization headers with a 401 or 403 and changes nothing',
    async () => {
      const authorization = fc.oneof(
        headerText(80),
        headerText(40).map((text) => `Token ${text}`),
        fc.constantFrom(
          'Token',
          'Token ',
          'Bearer x',
          'token  ',
          'Token a b',
          `Token ${'a'.repeat(100_000)}`,
        ),
      );
      const input = fc.tuple(fc.constantFrom(...ENDPOINTS), authorization);
      await checkProperty('oscp authorization', input, async ([endpoint, header]) => {
        const before = await databaseDigest(controller.app, BACKGROUND_CHANGES);
        const response = await send(endpoint, { Authorization: header }).send(endpoint.valid());
        expect([400, 401, 403, 413, 429, 431]).toContain(response.status);
        expect(await databaseDigest(controller.app, BACKGROUND_CHANGES)).toEqual(before);
      });
    },
    propertyTimeoutMs(),
  );

  it('still serves a valid peer afterwards', async () => {
    await send(ENDPOINTS[5]).send(ENDPOINTS[5].valid()).expect(204);
    expect(lag.maxLagMs()).toBeLessThanOrEqual(FUZZ.maxLagMs);
  });
});
