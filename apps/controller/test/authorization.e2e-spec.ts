import type { Server } from 'node:http';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import request from 'supertest';
import { LOCAL_AUTH_LISTS_QUEUE } from '@gridflex/authorization';
import { DEFAULT_CAPABILITIES, SimulatedCharger } from '@gridflex/simulator';
import {
  connectCharger,
  registerCharger,
  startController,
  TEST_API_KEY,
  TestController,
  waitFor,
} from './test-controller';

const GRID = { nominalVoltageV: 230, gridLimitA: { l1: 63, l2: 63, l3: 63 } };
const PAST = '2026-01-01T00:00:00Z';

describe('authorization: id tokens, site policies and local auth lists', () => {
  let controller: TestController;
  let charger16: SimulatedCharger;
  let station201: SimulatedCharger | undefined;
  let siteId: string;
  let otherSiteId: string;
  const tokenIds = new Map<string, string>();

  const remove = (path: string) =>
    request(controller.app.getHttpServer() as Server)
      .delete(path)
      .set('X-API-Key', TEST_API_KEY);
  const createToken = async (body: Record<string, unknown>) => {
    const { body: token } = await controller.admin.post('/api/v1/id-tokens', body).expect(201);
    tokenIds.set(body.idToken as string, token.id as string);
    return token;
  };
  const connectStation = async () => {
    const station = await connectCharger(controller, 'AUTH-201', { ocppVersion: '2.0.1' });
    await station.boot();
    return station;
  };

  beforeAll(async () => {
    controller = await startController();
    const { admin } = controller;
    siteId = (await admin.post('/api/v1/sites', { name: 'Depot', ...GRID }).expect(201)).body.id;
    otherSiteId = (await admin.post('/api/v1/sites', { name: 'Other', ...GRID }).expect(201)).body.id;
    await registerCharger(controller, siteId, 'AUTH-16');
    await registerCharger(controller, siteId, 'AUTH-201', { ocppVersion: '2.0.1' });
    await registerCharger(controller, siteId, 'AUTH-NOLIST');
    charger16 = await connectCharger(controller, 'AUTH-16', { requireAuthorize: true });
    await charger16.boot();
    station201 = await connectStation();
  });

  afterAll(async () => {
    await charger16?.close();
    await station201?.close();
    await controller?.app.close();
  });

  it('refuses invalid id tokens and policies with 400, and changes nothing', async () => {
    const { admin } = controller;
    const refused: [Record<string, unknown>, string][] = [
      [{ idToken: 'X'.repeat(37) }, 'idToken must have at most 36 characters'],
      [{ idToken: ' CARD' }, 'idToken must be printable ASCII'],
      [{ idToken: 'CARD', type: 'Magic' }, 'type must be one of'],
      [{ idToken: 'CARD', status: 'Maybe' }, 'status must be one of'],
      [{ idToken: 'CARD', expiresAt: '2026-02-30T00:00:00Z' }, 'expiresAt must be an ISO 8601 instant'],
      [{ idToken: 'CARD', siteId: 'depot' }, 'siteId must be the id (UUID) of a site'],
      [{ idToken: 'CARD', siteId: '00000000-0000-4000-8000-000000000000' }, 'siteId: no site'],
      [{ idToken: 'CARD', parentIdToken: 'card' }, 'a token cannot be its own group'],
      [{ idToken: 'CARD', colour: 'red' }, 'property colour should not exist'],
    ];
    for (const [body, message] of refused) {
      const { body: error } = await admin.post('/api/v1/id-tokens', body).expect(400);
      expect(error.message).toContain(message);
    }
    await admin.put(`/api/v1/sites/${siteId}/authorization`, { policy: 'none' }).expect(400);
    await admin
      .put(`/api/v1/sites/${siteId}/authorization`, { policy: 'list', allowConcurrentTransactions: 'no' })
      .expect(400);
    expect((await admin.get('/api/v1/id-tokens').expect(200)).body).toEqual([]);
    expect((await admin.get(`/api/v1/sites/${siteId}/authorization`).expect(200)).body).toEqual({
      siteId,
      policy: 'acceptAll',
      listVersion: 0,
      allowConcurrentTransactions: true,
    });

    const card = await createToken({ idToken: 'CARD' });
    await admin.post('/api/v1/id-tokens', { idToken: 'card' }).expect(409);
    await admin.patch(`/api/v1/id-tokens/${card.id}`, { status: 'Lost' }).expect(400);
    await admin.patch(`/api/v1/id-tokens/${card.id}`, { idToken: 'OTHER' }).expect(400);
    expect((await admin.get(`/api/v1/id-tokens/${card.id}`).expect(200)).body).toEqual(card);
    await remove(`/api/v1/id-tokens/${card.id}`).expect(204);
    await admin.get(`/api/v1/id-tokens/${card.id}`).expect(404);
  });

  it('accepts any token under the default policy, but not a blocked one', async () => {
    expect(await charger16.authorize('ANYONE')).toBe('Accepted');
    expect(await station201!.authorize('ANYONE')).toBe('Accepted');
    await createToken({ idToken: 'STOLEN', status: 'Blocked' });
    expect(await charger16.authorize('stolen')).toBe('Blocked');
    expect(await station201!.authorize('STOLEN')).toBe('Blocked');
    // A site that has not changed its policy gets no list.
    expect(charger16.localListUpdates).toEqual([]);
  });

  it('under a list policy accepts only listed, valid tokens, in Authorize and in transactions', async () => {
    const { admin } = controller;
    await createToken({ idToken: 'GOOD', parentIdToken: 'FLEET', expiresAt: '2099-01-01T00:00:00Z' });
    await createToken({ idToken: 'OLD', expiresAt: PAST });
    await createToken({ idToken: 'ELSEWHERE', siteId: otherSiteId });
    const policy = await admin.put(`/api/v1/sites/${siteId}/authorization`, { policy: 'list' }).expect(200);
    expect(policy.body).toMatchObject({ policy: 'list' });

    expect(await charger16.authorize('good')).toBe('Accepted');
    expect(await charger16.authorize('ANYONE')).toBe('Invalid');
    expect(await charger16.authorize('OLD')).toBe('Expired');
    expect(await charger16.authorize('ELSEWHERE')).toBe('Invalid');
    expect(await station201!.authorize('ANYONE')).toBe('Unknown');
    expect(await station201!.authorize('ELSEWHERE')).toBe('NotAtThisLocation');
    const answer = await charger16.call<{ idTagInfo: object }>('Authorize', { idTag: 'GOOD' });
    expect(answer.idTagInfo).toEqual({
      status: 'Accepted',
      expiryDate: '2099-01-01T00:00:00.000Z',
      parentIdTag: 'FLEET',
    });

    // A charger that requires Authorize starts only the accepted token's session.
    const transactionId = await charger16.startTransaction(1, 'GOOD', 0);
    await expect(charger16.startTransaction(1, 'ANYONE', 0)).rejects.toThrow('Authorize answered Invalid');
    // StartTransaction and StopTransaction carry the same decision.
    const started = await charger16.call<{ idTagInfo: { status: string } }>('StartTransaction', {
      connectorId: 1,
      idTag: 'OLD',
      meterStart: 0,
      timestamp: new Date().toISOString(),
    });
    expect(started.idTagInfo.status).toBe('Expired');
    const stopped = await charger16.call<{ idTagInfo?: { status: string } }>('StopTransaction', {
      transactionId,
      idTag: 'ANYONE',
      meterStop: 10,
      timestamp: new Date().toISOString(),
    });
    expect(stopped.idTagInfo?.status).toBe('Invalid');
    const event = await station201!.transactionEvent('Started', {
      transactionId: 'tx-old',
      evseId: 1,
      idToken: 'OLD',
      chargingState: 'EVConnected',
    });
    expect(event.idTokenInfo?.status).toBe('Expired');
  });

  it('sends the site list to its chargers, then only what changed', async () => {
    const { admin } = controller;
    const expected = new Map([
      ['good', 'Accepted'],
      ['old', 'Expired'],
      ['stolen', 'Blocked'],
    ]);
    await until(() => sameList(charger16, expected));
    await until(() => sameList(station201!, expected));
    expect(charger16.localListUpdates.at(-1)?.updateType).toBe('Full');

    await admin.patch(`/api/v1/id-tokens/${tokenIds.get('GOOD')}`, { status: 'Blocked' }).expect(200);
    await remove(`/api/v1/id-tokens/${tokenIds.get('OLD')}`).expect(204);
    const after = new Map([
      ['good', 'Blocked'],
      ['stolen', 'Blocked'],
    ]);
    await until(() => sameList(charger16, after));
    const last = charger16.localListUpdates.at(-1);
    expect(last?.updateType).toBe('Differential');
    const { body: site } = await admin.get(`/api/v1/sites/${siteId}/authorization`).expect(200);
    await until(() => charger16.localListVersion === site.listVersion);
    expect(await charger16.authorize('GOOD')).toBe('Blocked');
  });

  it('gives a charger that was offline its list when it is back', async () => {
    await station201!.close();
    station201 = undefined;
    await createToken({ idToken: 'NEW-CARD' });
    station201 = await connectStation();
    const expected = new Map([
      ['good', 'Blocked'],
      ['stolen', 'Blocked'],
      ['new-card', 'Accepted'],
    ]);
    await until(() => sameList(station201!, expected));
    expect(station201.localListUpdates.map((update) => update.updateType)).toEqual(['Full']);

    // A charger that reported no local list is sent none.
    const withoutList = await connectCharger(controller, 'AUTH-NOLIST', {
      capabilities: { ...DEFAULT_CAPABILITIES, localAuthList: false },
    });
    await waitFor(async () => {
      const { body } = await controller.admin.get(`/api/v1/sites/${siteId}/chargers`).expect(200);
      const charger = (body as { identity: string; capabilities: object | null }[]).find(
        (c) => c.identity === 'AUTH-NOLIST',
      );
      return charger?.capabilities ?? undefined;
    });
    const asked = () =>
      withoutList.receivedCalls.filter((call) => call.action === 'GetLocalListVersion').length;
    const askedBefore = asked();
    await controller.admin
      .patch(`/api/v1/id-tokens/${tokenIds.get('NEW-CARD')}`, { status: 'Invalid' })
      .expect(200);
    await until(() => station201!.localAuthList.get('new-card') === 'Invalid');
    const queue = controller.app.get<Queue>(getQueueToken(LOCAL_AUTH_LISTS_QUEUE));
    await waitFor(async () => {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(counts).every((count) => count === 0) ? true : undefined;
    });
    expect(asked()).toBe(askedBefore);
    expect(withoutList.localListUpdates).toEqual([]);
    await withoutList.close();

    // Back to accepting all: the chargers' lists are emptied.
    await controller.admin.put(`/api/v1/sites/${siteId}/authorization`, { policy: 'acceptAll' }).expect(200);
    await until(() => charger16.localAuthList.size === 0);
    expect(await charger16.authorize('ANYONE')).toBe('Accepted');
  });

  it('refuses a token already charging on another connector where the site forbids concurrent transactions', async () => {
    const { admin } = controller;
    const now = () => new Date().toISOString();
    const start16 = (idTag: string) =>
      charger16.call<{ idTagInfo: { status: string }; transactionId: number }>('StartTransaction', {
        connectorId: 1,
        idTag,
        meterStart: 0,
        timestamp: now(),
      });
    const stop16 = (transactionId: number) =>
      charger16.call('StopTransaction', { transactionId, meterStop: 10, timestamp: now() });
    const event201 = async (eventType: 'Started' | 'Ended', transactionId: string) =>
      (
        await station201!.transactionEvent(eventType, {
          transactionId,
          evseId: 1,
          idToken: 'DRIVER',
          chargingState: eventType === 'Started' ? 'EVConnected' : 'Idle',
        })
      ).idTokenInfo?.status;

    const first = await start16('DRIVER');
    // Allowed by default: fleets share cards.
    expect(await event201('Started', 'tx-shared')).toBe('Accepted');
    await event201('Ended', 'tx-shared');

    const { body } = await admin
      .put(`/api/v1/sites/${siteId}/authorization`, {
        policy: 'acceptAll',
        allowConcurrentTransactions: false,
      })
      .expect(200);
    expect(body).toMatchObject({ policy: 'acceptAll', allowConcurrentTransactions: false });
    expect(await station201!.authorize('driver')).toBe('ConcurrentTx');
    expect(await event201('Started', 'tx-second')).toBe('ConcurrentTx');
    // 1.6 answers ConcurrentTx to StartTransaction only.
    expect(await charger16.authorize('DRIVER')).toBe('Accepted');
    await stop16(first.transactionId);
    expect((await start16('DRIVER')).idTagInfo.status).toBe('ConcurrentTx');

    await event201('Ended', 'tx-second');
    const again = await start16('DRIVER');
    expect(again.idTagInfo.status).toBe('Accepted');
    await stop16(again.transactionId);
    expect(await station201!.authorize('DRIVER')).toBe('Accepted');
  });

  it('sends a charger with small local list limits its list in pieces, accepted tokens first', async () => {
    const { admin } = controller;
    const smallSiteId = (await admin.post('/api/v1/sites', { name: 'Small', ...GRID }).expect(201)).body.id;
    const limits = { ...DEFAULT_CAPABILITIES, localListItemsPerMessage: 2, localListMaxEntries: 3 };
    await registerCharger(controller, smallSiteId, 'AUTH-SMALL-16');
    await registerCharger(controller, smallSiteId, 'AUTH-SMALL-201', { ocppVersion: '2.0.1' });
    const small16 = await connectCharger(controller, 'AUTH-SMALL-16', { capabilities: limits });
    const small201 = await connectCharger(controller, 'AUTH-SMALL-201', {
      ocppVersion: '2.0.1',
      capabilities: limits,
    });
    try {
      await small16.boot();
      await small201.boot();
      for (const idToken of ['S1', 'S2', 'S3', 'S4']) await createToken({ idToken, siteId: smallSiteId });
      await admin.put(`/api/v1/sites/${smallSiteId}/authorization`, { policy: 'list' }).expect(200);

      // The site's list has 7 entries (4 of its own, 3 refused ones of every site): the first 3 accepted fit.
      const expected = new Map([
        ['s1', 'Accepted'],
        ['s2', 'Accepted'],
        ['s3', 'Accepted'],
      ]);
      for (const [identity, charger] of [
        ['AUTH-SMALL-16', small16],
        ['AUTH-SMALL-201', small201],
      ] as const) {
        await until(() => sameList(charger, expected));
        const sizes = charger.localListUpdates.map((update) => update.localAuthorizationList?.length ?? 0);
        expect(Math.max(...sizes)).toBeLessThanOrEqual(2);
        expect(charger.localListUpdates.slice(-2).map((update) => update.updateType)).toEqual([
          'Full',
          'Differential',
        ]);
        const { body: events } = await admin
          .get(`/api/v1/chargers/${identity}/events?kind=LocalAuthListTruncated`)
          .expect(200);
        expect(events.events).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              payload: expect.objectContaining({ maxEntries: 3, sent: 3, omitted: 4 }),
            }),
          ]),
        );
      }
    } finally {
      await small16.close();
      await small201.close();
    }
  });
});

function until(condition: () => boolean): Promise<true> {
  return waitFor(() => Promise.resolve(condition() ? true : undefined));
}

function sameList(charger: SimulatedCharger, expected: Map<string, string>): boolean {
  const list = charger.localAuthList;
  return list.size === expected.size && [...expected].every(([token, status]) => list.get(token) === status);
}
