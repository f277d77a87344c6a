import { randomBytes } from 'node:crypto';
import { SimulatedDso } from '@gridflex/simulator';
import { startController, TestController, waitFor } from './test-controller';

describe('registering with a DSO that waits for us to register first', () => {
  let controller: TestController;
  let dso: SimulatedDso;

  beforeAll(async () => {
    controller = await startController();
  });

  afterAll(async () => {
    await dso.close();
    await controller.app.close();
  });

  it('swaps tokens on our initiative, then hand-shakes and goes ONLINE', async () => {
    const ourInitialToken = randomBytes(24).toString('hex');
    dso = new SimulatedDso({ baseUrl: `http://${controller.host}/oscp/fp/2.0`, token: ourInitialToken });
    const dsoUrl = await dso.listen();
    const created = await controller.admin
      .post('/api/v1/dso-peers', {
        name: 'dso-first',
        token: ourInitialToken,
        baseUrl: dsoUrl,
        peerToken: dso.expectedToken,
      })
      .expect(201);
    const peerId = created.body.id as string;

    const started = await controller.admin.post(`/api/v1/dso-peers/${peerId}/register`, {}).expect(202);

    const ours = await dso.waitFor('register');
    expect(ours.requestId).toBe(started.body.requestId);
    expect((ours.body as { version_url: unknown[] }).version_url).toEqual([
      { version: '2.0', base_url: `http://${controller.host}/oscp/fp/2.0` },
    ]);
    const peer = async () => (await controller.admin.get(`/api/v1/dso-peers/${peerId}`).expect(200)).body;
    await waitFor(async () => ((await peer()).registration === 'REGISTERED' ? true : undefined));
    // The DSO now calls us with the token from our Register, and the initial one is retired.
    expect(dso.currentToken).not.toBe(ourInitialToken);
    const stale = new SimulatedDso({
      baseUrl: `http://${controller.host}/oscp/fp/2.0`,
      token: ourInitialToken,
    });
    expect((await stale.heartbeat(new Date(Date.now() + 60_000))).status).toBe(403);

    const handshake = await dso.handshake({});
    expect(handshake.status).toBe(204);
    expect((await dso.waitFor('handshake_acknowledge')).correlationId).toBe(handshake.requestId);
    await waitFor(async () => ((await peer()).link === 'ONLINE' ? true : undefined));
    const messages = (await controller.admin.get(`/api/v1/dso-peers/${peerId}/messages`).expect(200)).body;
    expect(messages.map((m: { message: string; status: string }) => `${m.message}:${m.status}`)).toEqual([
      'handshake_acknowledge:delivered',
      'register:delivered',
    ]);
  });
});
