import request from 'supertest';
import { hashToken } from '@gridflex/common';
import { schema } from '@gridflex/persistence';
import { SimulatedDso } from '@gridflex/simulator';
import { DsoPeersRepository } from './dso-peers.repository';
import { OscpOutboxService } from './oscp-outbox.service';
import { PeerLinkService } from './peer-link.service';
import {
  afterServerSettles,
  OscpTestApp,
  startOscpTestApp,
  TEST_ADMIN_API_KEY,
} from './testing/oscp-test-app';

const INITIAL_TOKEN = 'initial-token-0123456789-abcdef';
const OUR_HEARTBEAT_INTERVAL_S = 1;

describe('OSCP registration, handshake and heartbeats against the simulated Capacity Provider', () => {
  let oscp: OscpTestApp;
  let dso: SimulatedDso;
  let peerId: string;
  let fpUrl: string;

  beforeAll(async () => {
    oscp = await startOscpTestApp({ OSCP_HEARTBEAT_INTERVAL_S: OUR_HEARTBEAT_INTERVAL_S });
    fpUrl = `${oscp.url}/oscp/fp/2.0`;
  });

  afterAll(async () => {
    await oscp.close();
  });

  beforeEach(async () => {
    await oscp.db.delete(schema.dsoPeers);
    dso = new SimulatedDso({ baseUrl: fpUrl, token: INITIAL_TOKEN });
    await dso.listen();
  });

  afterEach(async () => {
    await dso.close();
  });

  const admin = {
    post: (path: string, body: object = {}) =>
      request(oscp.url).post(`/api/v1/dso-peers${path}`).set('X-API-Key', TEST_ADMIN_API_KEY).send(body),
    get: (path: string) =>
      request(oscp.url).get(`/api/v1/dso-peers${path}`).set('X-API-Key', TEST_ADMIN_API_KEY),
  };
  const peer = () => oscp.app.get(DsoPeersRepository).findById(peerId);
  const waitUntil = async <T>(probe: () => Promise<T | undefined>): Promise<T> => {
    for (let i = 0; i < 200; i++) {
      const value = await probe();
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('condition not met');
  };
  const createPeer = async (body: object = {}) => {
    const response = await admin.post('', { name: 'sim-dso', token: INITIAL_TOKEN, ...body });
    expect(response.status).toBe(201);
    peerId = response.body.id;
  };
  /** Registration with the DSO registering first, as most do. */
  const registerAsResponder = async () => {
    await createPeer();
    expect((await dso.register()).status).toBe(204);
    await dso.waitFor('register');
    await waitUntil(() => Promise.resolve(dso.currentToken !== INITIAL_TOKEN ? true : undefined));
  };
  const handshakeOnline = async (behaviour = {}) => {
    const reply = await dso.handshake(behaviour);
    expect(reply.status).toBe(204);
    await waitUntil(async () => ((await peer())?.link === 'ONLINE' ? true : undefined));
    return reply;
  };

  describe('registration, the DSO first (we respond)', () => {
    it('takes its token and URL, answers 204, registers back with a fresh token, and retires the initial one', async () => {
      await createPeer();

      const reply = await dso.register();

      expect(reply).toMatchObject({ status: 204, body: undefined });
      const ours = await dso.waitFor('register');
      expect(ours).toMatchObject({
        method: 'POST',
        status: 204,
        authorization: `Token ${dso.expectedToken}`,
        correlationId: reply.requestId,
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      const body = ours.body as { token: string; version_url: unknown[] };
      expect(body.version_url).toEqual([{ version: '2.0', base_url: fpUrl }]);
      expect(body.token).not.toBe(INITIAL_TOKEN);
      expect(await peer()).toMatchObject({ registration: 'REGISTERED', baseUrl: dso.url, canCallPeer: true });
      // The token it sent us now authenticates the DSO; the out-of-band one is retired.
      expect((await dso.heartbeat(new Date(Date.now() + 60_000))).status).toBe(204);
      const initial = new SimulatedDso({ baseUrl: fpUrl, token: INITIAL_TOKEN });
      expect((await initial.heartbeat(new Date(Date.now() + 60_000))).status).toBe(403);
    });

    it('records the delivery and its attempt, never showing our token', async () => {
      await registerAsResponder();
      const messages = await waitUntil(async () => {
        const response = await admin.get(`/${peerId}/messages`);
        return response.body[0]?.status === 'delivered' ? response.body : undefined;
      });
      expect(messages).toEqual([
        expect.objectContaining({
          message: 'register',
          status: 'delivered',
          body: { token: '[hidden]', version_url: [{ version: '2.0', base_url: fpUrl }] },
          attempts: [
            expect.objectContaining({ attempt: 1, url: `${dso.url}/register`, httpStatus: 204, error: null }),
          ],
        }),
      ]);
      const rows = await oscp.db.select().from(schema.oscpOutboundMessages);
      expect(JSON.stringify(rows)).not.toContain(dso.currentToken);
    });

    it('resolves a bare-path base_url against the URL it already knows', async () => {
      await createPeer({ baseUrl: dso.url.replace('/oscp/cp/2.0', '/old') });
      await dso.send('register', {
        token: dso.expectedToken,
        version_url: [{ version: '2.0', base_url: '/oscp/cp/2.0' }],
      });
      await dso.waitFor('register');
      expect((await peer())?.baseUrl).toBe(dso.url);
    });

    it('501 when no version is in common, changing nothing', async () => {
      await createPeer();
      const reply = await dso.register({ versions: ['1.0', '2.1'] });
      expect(reply).toMatchObject({
        status: 501,
        body: {
          message: expect.stringMatching(
            /No common OSCP version: we speak 2.0, the peer offered "1.0", "2.1"/,
          ),
        },
      });
      await afterServerSettles();
      expect(await peer()).toMatchObject({ registration: 'PENDING', baseUrl: null, canCallPeer: false });
      expect(dso.received).toEqual([]);
    });

    it.each<[string, unknown, RegExp]>([
      ['no token', { version_url: [{ version: '2.0', base_url: 'http://x/oscp' }] }, /token must be/],
      [
        'a token with a space',
        { token: 'a b', version_url: [{ version: '2.0', base_url: 'http://x' }] },
        /without whitespace/,
      ],
      ['no version_url', { token: 'abc' }, /version_url must be an array/],
      ['an empty version_url', { token: 'abc', version_url: [] }, /version_url must contain at least 1/],
      [
        'a version_url of arrays',
        { token: 'abc', version_url: [[]] },
        /version_url: each of version_url must be an object/,
      ],
      [
        'a version without base_url',
        { token: 'abc', version_url: [{ version: '2.0' }] },
        /version_url\[0\]\.base_url/,
      ],
      [
        'a bare path with no known URL',
        { token: 'abc', version_url: [{ version: '2.0', base_url: '/oscp' }] },
        /is a path/,
      ],
    ])('400 for a Register with %s, changing nothing', async (_case, body, message) => {
      await createPeer();
      const reply = await dso.send('register', body);
      expect(reply.status).toBe(400);
      expect((reply.body as { message: string }).message).toMatch(message);
      expect(await peer()).toMatchObject({ registration: 'PENDING', canCallPeer: false });
      expect((await dso.heartbeat(new Date(Date.now() + 60_000))).status).toBe(204);
    });

    it('PUT register replaces the token and URL we call; DELETE register revokes its token', async () => {
      await registerAsResponder();
      const update = await dso.send(
        'register',
        {
          token: 'renewed-token-for-the-fp-0123',
          version_url: [{ version: '2.0', base_url: `${dso.url}/` }],
        },
        { method: 'PUT' },
      );
      expect(update.status).toBe(204);
      expect((await oscp.app.get(DsoPeersRepository).outboundCredentials(peerId)).baseUrl).toBe(dso.url);

      expect((await dso.send('register', {}, { method: 'DELETE' })).status).toBe(204);
      expect(await peer()).toMatchObject({ registration: 'UNREGISTERED', canCallPeer: false });
      expect((await dso.heartbeat(new Date(Date.now() + 60_000))).status).toBe(403);
    });
  });

  describe('registration, we first (admin action)', () => {
    it('sends our Register with the DSO token, takes its Register back, and does not answer that one', async () => {
      await createPeer({ baseUrl: dso.url, peerToken: dso.expectedToken });

      const started = await admin.post(`/${peerId}/register`);

      expect(started.status).toBe(202);
      expect(started.body).toEqual({ messageId: expect.any(String), requestId: expect.any(String) });
      const ours = await dso.waitFor('register');
      expect(ours.requestId).toBe(started.body.requestId);
      expect(ours.correlationId).toBeUndefined();
      await waitUntil(async () => ((await peer())?.registration === 'REGISTERED' ? true : undefined));
      await afterServerSettles();
      expect(dso.received.filter((m) => m.path === 'register')).toHaveLength(1);
      // Both sides now hold each other's fresh tokens.
      expect((await dso.heartbeat(new Date(Date.now() + 60_000))).status).toBe(204);
      expect((await dso.handshake({})).status).toBe(204);
      expect((await dso.waitFor('handshake_acknowledge')).authorization).toBe(`Token ${dso.expectedToken}`);
    });

    it('409 when the peer has no base URL or token yet', async () => {
      await createPeer();
      const response = await admin.post(`/${peerId}/register`);
      expect(response.status).toBe(409);
      expect(response.body.message).toMatch(/no baseUrl or peerToken/);
      expect((await peer())?.registration).toBe('PENDING');
    });

    it('404 for an unknown peer', async () => {
      const response = await admin.post('/3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b/register');
      expect(response.status).toBe(404);
    });
  });

  describe('handshake', () => {
    it('answers 204, then acknowledges with the correlation id and our heartbeat interval; ONLINE once delivered', async () => {
      await registerAsResponder();

      const reply = await handshakeOnline({ measurement_configuration: ['CONTINUOUS'] });

      const ack = await dso.waitFor('handshake_acknowledge');
      expect(ack.correlationId).toBe(reply.requestId);
      expect(ack.body).toEqual({
        required_behaviour: { heartbeat_interval: OUR_HEARTBEAT_INTERVAL_S, measurement_configuration: [] },
      });
      expect(await peer()).toMatchObject({
        link: 'ONLINE',
        peerRequiredBehaviour: { measurement_configuration: ['CONTINUOUS'] },
      });
      const events = await admin.get(`/${peerId}/link-events`);
      expect(events.body).toEqual([
        { from: 'UNKNOWN', to: 'ONLINE', reason: 'handshake acknowledged', at: expect.any(String) },
      ]);
    });

    it('sends heartbeats at the interval the peer asked, promising three intervals', async () => {
      await registerAsResponder();
      await handshakeOnline({ heartbeat_interval: 1 });

      const first = await dso.waitFor('heartbeat');
      const second = await dso.waitFor('heartbeat', (m) => m !== first, 5_000);

      for (const beat of [first, second]) {
        const promised = Date.parse((beat.body as { offline_mode_at: string }).offline_mode_at);
        expect(promised - beat.at.getTime()).toBeGreaterThan(2_000);
        expect(promised - beat.at.getTime()).toBeLessThanOrEqual(3_000);
        expect(beat.correlationId).toBeUndefined();
      }
      expect(second.requestId).not.toBe(first.requestId);
    });

    it('asks for no heartbeats and sends none when the peer options say so', async () => {
      await createPeer({ options: { offlineDetection: false, sendHeartbeats: false } });
      await dso.register();
      await dso.waitFor('register');
      await handshakeOnline({ heartbeat_interval: 1 });
      const ack = await dso.waitFor('handshake_acknowledge');
      expect(ack.body).toEqual({ required_behaviour: { measurement_configuration: [] } });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(dso.received.filter((m) => m.path === 'heartbeat')).toEqual([]);
    });

    it('uses the per-peer path override and extra headers', async () => {
      await createPeer({
        options: {
          paths: { handshake_acknowledge: 'handshake_acknowledgment' },
          headers: { 'fp-id': 'gridflex' },
        },
      });
      await dso.register();
      await dso.waitFor('register');
      await dso.handshake({});
      const ack = await dso.waitFor('handshake_acknowledgment');
      expect(ack.headers['fp-id']).toBe('gridflex');
    });

    it.each(['handshake_acknowledge', 'handshake_acknowledgment', 'handshake_acknowledgement'])(
      'accepts a HandshakeAcknowledge on %s',
      async (path) => {
        await registerAsResponder();
        const reply = await dso.send(path, {
          required_behaviour: { heartbeat_interval: 30, measurement_configuration: [] },
        });
        expect(reply.status).toBe(204);
        expect((await peer())?.peerRequiredBehaviour).toEqual({
          heartbeat_interval: 30,
          measurement_configuration: [],
        });
      },
    );

    it.each<[string, unknown, RegExp]>([
      [
        'heartbeat_interval 0',
        { required_behaviour: { heartbeat_interval: 0 } },
        /heartbeat_interval must not be less than 1/,
      ],
      [
        'heartbeat_interval as a string',
        { required_behaviour: { heartbeat_interval: '60' } },
        /whole number of seconds/,
      ],
      [
        'an unknown measurement configuration',
        { required_behaviour: { measurement_configuration: ['SOMETIMES'] } },
        /CONTINUOUS, INTERMITTENT/,
      ],
      [
        'required_behaviour not an object',
        { required_behaviour: 'fast' },
        /required_behaviour must be an object/,
      ],
    ])('400 for a Handshake with %s, changing and sending nothing', async (_case, body, message) => {
      await registerAsResponder();
      const reply = await dso.send('handshake', body);
      expect(reply.status).toBe(400);
      expect((reply.body as { message: string }).message).toMatch(message);
      await afterServerSettles();
      expect(await peer()).toMatchObject({ link: 'UNKNOWN', peerRequiredBehaviour: null });
      expect(dso.received.filter((m) => m.path === 'handshake_acknowledge')).toEqual([]);
    });

    it('400 without X-Request-ID, sending nothing', async () => {
      await registerAsResponder();
      const reply = await dso.handshake({}, { headers: { 'X-Request-ID': '' } });
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ message: 'X-Request-ID header is required' });
      await afterServerSettles();
      expect(dso.received.filter((m) => m.path === 'handshake_acknowledge')).toEqual([]);
    });
  });

  describe('heartbeats from the peer and offline detection', () => {
    it('goes OFFLINE when offline_mode_at passes, stays so on heartbeats alone, and is ONLINE after a handshake', async () => {
      await registerAsResponder();
      await handshakeOnline();

      expect((await dso.heartbeat(new Date(Date.now() + 300))).status).toBe(204);
      await waitUntil(async () => ((await peer())?.link === 'OFFLINE' ? true : undefined));

      expect((await dso.heartbeat(new Date(Date.now() + 60_000))).status).toBe(204);
      await afterServerSettles();
      expect((await peer())?.link).toBe('OFFLINE');
      await handshakeOnline();

      const events = (await admin.get(`/${peerId}/link-events`)).body;
      expect(events.map((e: { from: string; to: string }) => `${e.from}>${e.to}`)).toEqual([
        'OFFLINE>ONLINE',
        'ONLINE>OFFLINE',
        'UNKNOWN>ONLINE',
      ]);
      expect(events[1].reason).toMatch(/^offline_mode_at .* passed \(last heartbeat .*\)$/);
      expect((await admin.get(`/${peerId}`)).body).toMatchObject({
        link: 'ONLINE',
        lastHeartbeatAt: expect.any(String),
      });
    });

    it('takes a promise that lapsed before the next heartbeat arrived (we were down) as a lapse: OFFLINE until a handshake', async () => {
      await registerAsResponder();
      await handshakeOnline();
      expect((await dso.heartbeat(new Date(Date.now() + 60_000))).status).toBe(204);
      const repository = oscp.app.get(DsoPeersRepository);
      await repository.update(peerId, { offlineModeAt: new Date(Date.now() - 1_000) });

      expect((await dso.heartbeat(new Date(Date.now() + 60_000))).status).toBe(204);
      await waitUntil(async () => ((await peer())?.link === 'OFFLINE' ? true : undefined));
      expect((await peer())?.offlineModeAt?.getTime()).toBeGreaterThan(Date.now());
      const [lapse] = (await admin.get(`/${peerId}/link-events`)).body;
      expect(lapse).toMatchObject({ from: 'ONLINE', to: 'OFFLINE' });
      expect(lapse.reason).toMatch(/^offline_mode_at .* passed \(last heartbeat .*\)$/);
      await handshakeOnline();
    });

    it('finds at start-up a promise that lapsed while we were stopped, before serving a heartbeat', async () => {
      await registerAsResponder();
      await handshakeOnline();
      expect((await dso.heartbeat(new Date(Date.now() + 60_000))).status).toBe(204);
      await oscp.app.get(DsoPeersRepository).update(peerId, { offlineModeAt: new Date(Date.now() - 1_000) });

      await oscp.app.get(PeerLinkService).onApplicationBootstrap();
      expect((await peer())?.link).toBe('OFFLINE');
    });

    it('stays ONLINE while heartbeats keep pushing offline_mode_at ahead', async () => {
      await registerAsResponder();
      await handshakeOnline();
      dso.startHeartbeats(200, 3);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      dso.stopHeartbeats();
      expect((await peer())?.link).toBe('ONLINE');
    });

    it('never declares a peer OFFLINE whose options turn detection off', async () => {
      await createPeer({ options: { offlineDetection: false } });
      await dso.register();
      await dso.waitFor('register');
      await handshakeOnline();
      await dso.heartbeat(new Date(Date.now() + 100));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await peer())?.link).toBe('ONLINE');
    });

    it('keeps a peer that never sends a heartbeat ONLINE with the default options, whatever the time', async () => {
      await registerAsResponder();
      await handshakeOnline();
      const links = oscp.app.get(PeerLinkService);

      await links.checkOffline(peerId, new Date(Date.now() + 24 * 3_600_000));
      expect(await peer()).toMatchObject({ link: 'ONLINE', lastHeartbeatAt: null, offlineModeAt: null });

      // Its first heartbeat arms the detection: silence past its offline_mode_at now counts.
      const offlineModeAt = new Date(Date.now() + 60_000);
      expect((await dso.heartbeat(offlineModeAt)).status).toBe(204);
      await links.checkOffline(peerId, new Date(offlineModeAt.getTime() + 1));
      expect((await peer())?.link).toBe('OFFLINE');
    });

    it('brings an OFFLINE peer back ONLINE at once when a PATCH turns offline detection off', async () => {
      await registerAsResponder();
      await handshakeOnline();
      expect((await dso.heartbeat(new Date(Date.now() + 300))).status).toBe(204);
      await waitUntil(async () => ((await peer())?.link === 'OFFLINE' ? true : undefined));

      const patched = await request(oscp.url)
        .patch(`/api/v1/dso-peers/${peerId}`)
        .set('X-API-Key', TEST_ADMIN_API_KEY)
        .send({ options: { offlineDetection: false } });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ link: 'ONLINE', options: { offlineDetection: false } });
      const events = (await admin.get(`/${peerId}/link-events`)).body;
      expect(events[0]).toMatchObject({
        from: 'OFFLINE',
        to: 'ONLINE',
        reason: 'offline detection turned off',
      });
    });

    it('checks a heartbeating peer at once when a PATCH turns offline detection back on', async () => {
      await createPeer({ options: { offlineDetection: false } });
      await dso.register();
      await dso.waitFor('register');
      await handshakeOnline();
      expect((await dso.heartbeat(new Date(Date.now() + 100))).status).toBe(204);
      await afterServerSettles();
      expect((await peer())?.link).toBe('ONLINE');

      const patched = await request(oscp.url)
        .patch(`/api/v1/dso-peers/${peerId}`)
        .set('X-API-Key', TEST_ADMIN_API_KEY)
        .send({ options: {} });
      expect(patched.status).toBe(200);
      await waitUntil(async () => ((await peer())?.link === 'OFFLINE' ? true : undefined));
    });

    it('reads a pyoscp-style date-time without zone as UTC', async () => {
      await registerAsResponder();
      expect((await dso.heartbeat('2030-01-01 10:00:00')).status).toBe(204);
      expect((await peer())?.offlineModeAt).toEqual(new Date('2030-01-01T10:00:00Z'));
    });

    it.each<[string, unknown]>([
      ['no offline_mode_at', {}],
      ['a word', { offline_mode_at: 'tomorrow' }],
      ['a number', { offline_mode_at: 1893456000 }],
    ])('400 for a Heartbeat with %s, changing nothing', async (_case, body) => {
      await registerAsResponder();
      const reply = await dso.send('heartbeat', body);
      expect(reply.status).toBe(400);
      expect((reply.body as { message: string }).message).toMatch(/offline_mode_at must be a date-time/);
      expect(await peer()).toMatchObject({ lastHeartbeatAt: null, offlineModeAt: null });
    });
  });

  describe('outbound delivery', () => {
    it('retries 5xx, 408 and 429 with backoff, recording each attempt, until delivered', async () => {
      await registerAsResponder();
      dso.failNext(503);
      dso.failNext(429);
      dso.failNext(408);

      await handshakeOnline();

      const [ack] = (await admin.get(`/${peerId}/messages`)).body;
      expect(ack.message).toBe('handshake_acknowledge');
      expect(ack.attempts.map((a: { httpStatus: number }) => a.httpStatus)).toEqual([503, 429, 408, 204]);
      expect(ack.attempts[0].error).toMatch(/^HTTP 503: /);
      const ackRequests = dso.received.filter((m) => m.path === 'handshake_acknowledge');
      expect(new Set(ackRequests.map((m) => m.requestId)).size).toBe(1);
    });

    it('does not retry another 4xx, and the link does not go ONLINE', async () => {
      await registerAsResponder();
      dso.failNext(400, 1, JSON.stringify({ message: 'X-Correlation-ID is required' }));

      await dso.handshake({});

      const [ack] = await waitUntil(async () => {
        const response = await admin.get(`/${peerId}/messages`);
        return response.body[0]?.status === 'failed' ? response.body : undefined;
      });
      expect(ack.attempts).toEqual([
        expect.objectContaining({
          httpStatus: 400,
          error: 'HTTP 400: {"message":"X-Correlation-ID is required"}',
        }),
      ]);
      expect((await peer())?.link).toBe('UNKNOWN');
    });

    it('sends at start-up a message that was stored but never queued (a crash between the two)', async () => {
      await registerAsResponder();
      const stored = await oscp.app
        .get(OscpOutboxService)
        .store(peerId, 'heartbeat', { offline_mode_at: '2030-01-01T00:00:00Z' });

      await oscp.app.get(OscpOutboxService).onApplicationBootstrap();

      const beat = await dso.waitFor('heartbeat');
      expect(beat.requestId).toBe(stored.requestId);
    });

    it('gives up at once, saying why, on a message to a peer we have no URL or token for', async () => {
      await createPeer();
      expect((await dso.handshake({})).status).toBe(204);

      const [ack] = await waitUntil(async () => {
        const response = await admin.get(`/${peerId}/messages`);
        return response.body[0]?.status === 'failed' ? response.body : undefined;
      });

      expect(ack.attempts).toEqual([
        expect.objectContaining({
          attempt: 1,
          httpStatus: null,
          error: expect.stringMatching(/register with it first/),
        }),
      ]);
      expect(dso.received).toEqual([]);
    });

    it('records network errors and retries them', async () => {
      await createPeer({ baseUrl: 'http://127.0.0.1:9/oscp', peerToken: 'peer-token-0123456789abcdef' });
      await admin.post(`/${peerId}/register`);
      const [message] = await waitUntil(async () => {
        const response = await admin.get(`/${peerId}/messages`);
        return response.body[0]?.attempts.length >= 2 ? response.body : undefined;
      });
      expect(message.attempts[0]).toMatchObject({
        httpStatus: null,
        error: expect.stringMatching(/fetch failed/),
      });
    });
  });

  it('never logs a token', async () => {
    await registerAsResponder();
    await handshakeOnline();
    const logged = oscp.logs.join('\n');
    for (const token of [INITIAL_TOKEN, dso.currentToken, dso.expectedToken])
      expect(logged).not.toContain(token);
    expect(hashToken(dso.currentToken)).not.toBe(hashToken(INITIAL_TOKEN));
  });
});
