import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import { sql } from 'drizzle-orm';
import request from 'supertest';
import { Database, DATABASE } from '@gridflex/persistence';
import { SimulatedDso } from '@gridflex/simulator';
import { registerCharger, startController, TEST_API_KEY, TestController } from './test-controller';

const STANDARD_STREAMS = new Set([1, 2]);
type WriteCallback = (error: Error | null, written: number) => void;

/**
 * Everything the process writes to stdout and stderr: Nest's console logger through the streams, pino's access
 * log through `fs.write`/`fs.writeSync` on file descriptors 1 and 2 (SonicBoom).
 */
function captureLogs(): { text(): string; restore(): void } {
  const chunks: string[] = [];
  const record = (chunk: unknown) => {
    const text = Buffer.isBuffer(chunk) ? chunk.toString() : String(chunk);
    chunks.push(text);
    return Buffer.byteLength(text);
  };
  const { write, writeSync } = fs;
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => (record(chunk), true)),
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => (record(chunk), true)),
    jest
      .spyOn(fs, 'writeSync')
      .mockImplementation(((fd: number, data: unknown, ...rest: never[]) =>
        STANDARD_STREAMS.has(fd)
          ? record(data)
          : writeSync(fd, data as string, ...rest)) as typeof fs.writeSync),
    jest.spyOn(fs, 'write').mockImplementation((fd: number, data: unknown, ...rest: unknown[]) => {
      if (!STANDARD_STREAMS.has(fd)) return (write as (...args: unknown[]) => void)(fd, data, ...rest);
      const callback = rest[rest.length - 1] as WriteCallback;
      const written = record(data);
      process.nextTick(() => callback(null, written));
    }),
  ];
  return { text: () => chunks.join(''), restore: () => spies.forEach((spy) => spy.mockRestore()) };
}

const SITE = { nominalVoltageV: 230, gridLimitA: { l1: 63, l2: 63, l3: 63 }, timeZone: 'UTC' };

describe('hostile input over HTTP: a 4xx with a message, no state change, no secret in the logs', () => {
  let controller: TestController;
  let server: Server;
  let logs: ReturnType<typeof captureLogs>;
  let siteId: string;
  let chargerId: string;
  let peerId: string;
  const dsoToken = randomBytes(24).toString('hex');
  const peerToken = randomBytes(24).toString('hex');

  beforeAll(async () => {
    logs = captureLogs();
    // `info`, so that the access log writes a line for every request.
    controller = await startController({ LOG_LEVEL: 'info' });
    server = controller.app.getHttpServer() as Server;
    siteId = (
      await controller.admin.post('/api/v1/sites', { name: 'Depot', groupId: 'grp-1', ...SITE }).expect(201)
    ).body.id;
    chargerId = await registerCharger(controller, siteId, 'CP-HOSTILE');
    peerId = (
      await controller.admin
        .post('/api/v1/dso-peers', {
          name: 'dso-hostile',
          token: dsoToken,
          baseUrl: 'http://127.0.0.1:9/oscp/cp/2.0',
          peerToken,
        })
        .expect(201)
    ).body.id;
  });

  afterAll(async () => {
    await controller?.app.close();
    logs.restore();
  });

  /** The 4xx and its message, after checking that `state` reads the same before and after. */
  async function refused(
    state: () => Promise<unknown>,
    send: () => request.Test | Promise<{ status: number; body: unknown }>,
  ): Promise<{ status: number; message: string }> {
    const before = await state();
    const { status, body } = await send();
    expect(await state()).toEqual(before);
    const message = (body as { message?: unknown }).message;
    expect(typeof message === 'string' ? message : JSON.stringify(message)).not.toBe('');
    return { status, message: typeof message === 'string' ? message : JSON.stringify(message) };
  }

  const get = async (path: string) => (await controller.admin.get(path).expect(200)).body as unknown;
  const sites = () => get('/api/v1/sites');
  const peers = () => get('/api/v1/dso-peers');

  describe('NUL bytes', () => {
    it('in a site name or group id', async () => {
      const created = await refused(sites, () =>
        controller.admin.post('/api/v1/sites', { ...SITE, name: 'De\u0000pot' }),
      );
      expect(created).toEqual({ status: 400, message: 'name must not contain NUL (\\u0000) characters' });
      const grouped = await refused(sites, () =>
        controller.admin.put(`/api/v1/sites/${siteId}/group`, { groupId: 'grp\u0000' }),
      );
      expect(grouped).toEqual({ status: 400, message: 'groupId must not contain NUL (\\u0000) characters' });
    });

    it('in a query parameter, even one no route reads', async () => {
      const query = await refused(sites, () => controller.admin.get('/api/v1/sites?name=De%00pot'));
      expect(query).toEqual({ status: 400, message: 'name must not contain NUL (\\u0000) characters' });
    });

    it('in a DSO peer name or in a key of its options', async () => {
      const named = await refused(peers, () =>
        controller.admin.post('/api/v1/dso-peers', {
          name: 'dso\u0000',
          token: randomBytes(24).toString('hex'),
        }),
      );
      expect(named).toEqual({ status: 400, message: 'name must not contain NUL (\\u0000) characters' });
      const header = await refused(peers, () =>
        controller.admin.patch(`/api/v1/dso-peers/${peerId}`, { options: { headers: { 'x\u0000': 'v' } } }),
      );
      expect(header.status).toBe(400);
      expect(header.message).toMatch(/^options\.headers\.x.* must not contain NUL/);
    });

    it('in the group_id of an OSCP capacity forecast', async () => {
      const dso = new SimulatedDso({ baseUrl: `http://${controller.host}/oscp/fp/2.0`, token: dsoToken });
      const now = Date.now();
      const forecast = await refused(
        () => get(`/api/v1/dso-peers/${peerId}/messages`),
        () =>
          dso.send('update_group_capacity_forecast', {
            group_id: 'grp\u00001',
            type: 'CONSUMPTION',
            forecasted_blocks: [
              {
                capacity: 16,
                phase: 'ALL',
                unit: 'A',
                start_time: new Date(now).toISOString(),
                end_time: new Date(now + 3_600_000).toISOString(),
              },
            ],
          }),
      );
      expect(forecast).toEqual({
        status: 400,
        message: 'group_id must not contain NUL (\\u0000) characters',
      });
    });

    it('in a charger identity in the path, or a charger identity in a body', async () => {
      const path = await refused(sites, () =>
        controller.admin.post('/api/v1/chargers/CP%00HOSTILE/clear-charging-profile', {}),
      );
      expect(path).toEqual({ status: 400, message: 'identity must not contain NUL (\\u0000) characters' });
      const chargers = () => get(`/api/v1/sites/${siteId}/chargers`);
      const body = await refused(chargers, () =>
        controller.admin.post(`/api/v1/sites/${siteId}/chargers`, {
          identity: 'CP\u00002',
          ocppVersion: '1.6',
          connectors: [{ connectorId: 1, maxCurrentA: 32, phases: 3 }],
        }),
      );
      expect(body).toEqual({ status: 400, message: 'identity must not contain NUL (\\u0000) characters' });
    });
  });

  describe('bodies the parser or the validators cannot take', () => {
    const raw = (path: string, text: string) =>
      request(server)
        .post(path)
        .set('X-API-Key', TEST_API_KEY)
        .set('Content-Type', 'application/json')
        .send(text);

    it('refuses 40,000 nested arrays in under 100 kB', async () => {
      const body = '['.repeat(40_000) + ']'.repeat(40_000);
      expect(body.length).toBeLessThan(100_000);
      const deep = await refused(sites, () => raw('/api/v1/sites', body));
      expect(deep.status).toBe(400);
      expect(deep.message).toMatch(/nested too deeply/);
    });

    it('refuses deeply nested objects inside an otherwise valid body', async () => {
      let options: object = {};
      for (let i = 0; i < 100; i++) options = { paths: options };
      const deep = await refused(peers, () =>
        controller.admin.post('/api/v1/dso-peers', {
          name: 'deep',
          token: randomBytes(24).toString('hex'),
          options,
        }),
      );
      expect(deep.status).toBe(400);
      expect(deep.message).toMatch(/nested too deeply/);
    });

    it('refuses a body over HTTP_JSON_LIMIT_BYTES (1 MiB) with a 413 naming the limit', async () => {
      const body = JSON.stringify({ ...SITE, name: 'x'.repeat(1_100_000) });
      const large = await refused(sites, () => raw('/api/v1/sites', body));
      expect(large).toEqual({
        status: 413,
        message: 'request body is larger than the limit of 1048576 bytes (HTTP_JSON_LIMIT_BYTES)',
      });
    });

    it('takes a body under the limit but larger than the parser default of 100 kB', async () => {
      const body = JSON.stringify({ ...SITE, name: 'x'.repeat(200_000) });
      // Past the parser, the validators refuse the name for its length: a 400 rather than a 413.
      const long = await refused(sites, () => raw('/api/v1/sites', body));
      expect(long).toMatchObject({
        status: 400,
        message: expect.stringMatching(/^name: name must be shorter/),
      });
    });

    it('refuses JSON that does not parse with a 400', async () => {
      const broken = await refused(sites, () => raw('/api/v1/sites', '{"name": "Depot",'));
      expect(broken.status).toBe(400);
      expect(broken.message).not.toBe('');
    });
  });

  describe('numbers beyond their columns', () => {
    it('refuses a connector number beyond int4 on the session route', async () => {
      const path = `/api/v1/sites/${siteId}/chargers/${chargerId}/connectors`;
      const session = () => get(`/api/v1/sites/${siteId}/chargers`);
      const tooLarge = await refused(session, () => controller.admin.get(`${path}/99999999999/session`));
      expect(tooLarge).toEqual({
        status: 400,
        message: 'connectorId must be an integer from 0 to 2147483647',
      });
      const put = await refused(session, () =>
        controller.admin.put(`${path}/2147483648/session`, { priority: 5 }),
      );
      expect(put.status).toBe(400);
      const patch = await refused(sites, () => controller.admin.patch(`${path}/-1`, { priority: 5 }));
      expect(patch.status).toBe(400);
    });

    it('refuses an OCPP connector id beyond int32 in a body', async () => {
      const refusedCall = await refused(sites, () =>
        controller.admin.post('/api/v1/chargers/CP-HOSTILE/trigger-message', {
          requestedMessage: 'StatusNotification',
          connectorId: 2 ** 31,
        }),
      );
      expect(refusedCall).toEqual({
        status: 400,
        message: 'connectorId: connectorId must be at most 2147483647',
      });
    });
  });

  describe('dates', () => {
    const rules = () => get(`/api/v1/sites/${siteId}/peak-shaving-rules`);

    it('refuses 30 February as a peak-shaving rule date', async () => {
      const rule = await refused(rules, () =>
        controller.admin.post(`/api/v1/sites/${siteId}/peak-shaving-rules`, {
          name: 'never',
          date: '2030-02-30',
          startTime: '17:00',
          endTime: '20:00',
          limitKw: 10,
        }),
      );
      expect(rule).toEqual({ status: 400, message: 'date: date must be a date that exists, as YYYY-MM-DD' });
    });

    it('refuses an instant without a zone, or on a day that does not exist', async () => {
      const bookings = () => get(`/api/v1/sites/${siteId}/bookings`);
      const booking = (arrivalFrom: string) => ({
        chargerId,
        connectorId: 1,
        arrivalFrom,
        arrivalUntil: '2030-03-02T12:00:00Z',
        priority: 1,
      });
      for (const arrivalFrom of ['2030-03-02T10:00:00', '2030-02-30T10:00:00Z']) {
        const refusedBooking = await refused(bookings, () =>
          controller.admin.post(`/api/v1/sites/${siteId}/bookings`, booking(arrivalFrom)),
        );
        expect(refusedBooking).toEqual({
          status: 400,
          message: 'arrivalFrom: arrivalFrom must be an ISO 8601 instant that exists, with Z or an offset',
        });
      }
    });
  });

  describe('paths and URLs', () => {
    const peer = () => get(`/api/v1/dso-peers/${peerId}`);

    it.each([
      ['a parent segment', '../../admin'],
      ['an absolute URL', 'http://evil.example/heartbeat'],
      ['an absolute path', '/admin'],
      ['a control character', 'heart\tbeat'],
    ])('refuses %s in options.paths', async (_case, path) => {
      const patched = await refused(peer, () =>
        controller.admin.patch(`/api/v1/dso-peers/${peerId}`, { options: { paths: { heartbeat: path } } }),
      );
      expect(patched.status).toBe(400);
      expect(patched.message).toMatch(/^options\.paths\.heartbeat: heartbeat must be a relative URL path/);
    });

    it.each([
      'http://dso.example/oscp/../admin',
      'http://dso.example/%2e%2e/admin',
      'http://dso.example/oscp\u0001',
      'http://user:secret@dso.example',
    ])('refuses the base URL %j', async (baseUrl) => {
      const patched = await refused(peer, () =>
        controller.admin.patch(`/api/v1/dso-peers/${peerId}`, { baseUrl }),
      );
      expect(patched.status).toBe(400);
      expect(patched.message).toMatch(/^baseUrl: baseUrl must be an http:\/\/ or https:\/\/ URL/);
    });
  });

  describe('database failures', () => {
    let db: Database;

    beforeAll(async () => {
      db = controller.app.get<Database>(DATABASE);
      await db.execute(sql`ALTER TABLE sites ADD CONSTRAINT hostile_check CHECK (name NOT LIKE 'checked-%')`);
      await db.execute(sql`CREATE UNIQUE INDEX hostile_unique ON sites (name) WHERE name LIKE 'unique-%'`);
      await db.execute(sql`
        CREATE FUNCTION hostile_raise() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.name LIKE 'raises-%' THEN RAISE EXCEPTION 'refusing %', NEW.name; END IF;
          RETURN NEW;
        END $$`);
      await db.execute(
        sql`CREATE TRIGGER hostile_raise BEFORE INSERT ON sites FOR EACH ROW EXECUTE FUNCTION hostile_raise()`,
      );
    });

    afterAll(async () => {
      await db.execute(sql`DROP TRIGGER hostile_raise ON sites`);
      await db.execute(sql`DROP FUNCTION hostile_raise()`);
      await db.execute(sql`DROP INDEX hostile_unique`);
      await db.execute(sql`ALTER TABLE sites DROP CONSTRAINT hostile_check`);
    });

    it('maps a value the database refuses to a 400 with a generic message', async () => {
      const failed = await refused(sites, () =>
        controller.admin.post('/api/v1/sites', { ...SITE, name: 'checked-secret-name' }),
      );
      expect(failed).toEqual({
        status: 400,
        message: 'a value is out of range or not valid for where it is stored',
      });
    });

    it('maps a unique violation to a 409', async () => {
      await controller.admin.post('/api/v1/sites', { ...SITE, name: 'unique-site' }).expect(201);
      const duplicate = await refused(sites, () =>
        controller.admin.post('/api/v1/sites', { ...SITE, name: 'unique-site' }),
      );
      expect(duplicate.status).toBe(409);
    });

    it('answers anything else with a 500 that gives nothing away, and logs it without the parameters', async () => {
      const failed = await refused(sites, () =>
        controller.admin.post('/api/v1/sites', { ...SITE, name: 'raises-secret-name' }),
      );
      expect(failed).toEqual({ status: 500, message: 'Internal server error' });
      expect(logs.text()).toMatch(/POST \/api\/v1\/sites failed: \w+: database error SQLSTATE P0001/);
    });
  });

  it('refuses an admin key in a query string, and the access log keeps neither the key nor the query', async () => {
    const keyed = await refused(sites, () =>
      request(server).get(`/api/v1/sites?x-api-key=${TEST_API_KEY}&apiKey=${TEST_API_KEY}`),
    );
    expect(keyed).toEqual({ status: 401, message: 'Missing X-API-Key header' });
    expect(logs.text()).toContain('/api/v1/sites?[redacted]');
  });

  // Last: it reads everything the tests above made the controller write.
  it('wrote no secret, query or query parameter to any log', () => {
    const text = logs.text();
    // The capture works: the access log and the database failure above are in it.
    expect(text).toContain('"url":"/api/v1/sites');
    expect(text).toContain('SQLSTATE P0001');
    for (const secret of [
      TEST_API_KEY,
      dsoToken,
      peerToken,
      'secret-name',
      'Failed query',
      'params:',
      'insert into',
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});
