import { createHmac, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { PGlite } from '@electric-sql/pglite';
import request from 'supertest';
import { DashboardSessionsRepository } from '@gridflex/dashboard';
import { openDatabase } from '@gridflex/persistence';
import { ConnectionRefusedError, SimulatedCharger } from '@gridflex/simulator';
import { registerCharger, startController, TEST_API_KEY, TestController, waitFor } from './test-controller';

const PASSWORD = 'the-good-chargers-password';

/** A charger (or a guesser) behind the proxy at 127.0.0.1, which tells the controller its address. */
function chargerFrom(
  controller: TestController,
  identity: string,
  forwardedFor: string,
  password?: string,
): SimulatedCharger {
  return new SimulatedCharger({
    endpoint: `ws://${controller.host}/ocpp`,
    identity,
    password,
    connectorCount: 1,
    headers: { 'X-Forwarded-For': forwardedFor },
  });
}

async function createSite(controller: TestController): Promise<string> {
  const site = await controller.admin
    .post('/api/v1/sites', { name: 'Depot', nominalVoltageV: 230, gridLimitA: { l1: 32, l2: 32, l3: 32 } })
    .expect(201);
  return site.body.id as string;
}

describe('deployment security', () => {
  const openChargers: SimulatedCharger[] = [];

  afterAll(async () => {
    await Promise.all(openChargers.map((charger) => charger.close()));
  });

  /** Connects, keeping the charger to close at the end; rejects with ConnectionRefusedError when refused. */
  async function connect(charger: SimulatedCharger): Promise<void> {
    openChargers.push(charger);
    await charger.connect();
  }

  describe('OCPP behind a trusted proxy (TRUST_PROXY)', () => {
    let controller: TestController;

    beforeAll(async () => {
      controller = await startController({ TRUST_PROXY: '127.0.0.1' });
      const siteId = await createSite(controller);
      await registerCharger(controller, siteId, 'CP-GOOD', { password: PASSWORD });
      await registerCharger(controller, siteId, 'CP-GOOD-TOO', { password: PASSWORD });
    });

    afterAll(() => controller.app.close());

    it('20 unknown identities from one address block neither a good charger elsewhere nor one at that address', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) {
        const error = await connect(chargerFrom(controller, `NOBODY-${i}`, '203.0.113.10')).catch(
          (refused: unknown) => refused,
        );
        statuses.push((error as ConnectionRefusedError).statusCode);
      }
      expect(statuses).toEqual([...Array<number>(10).fill(404), ...Array<number>(10).fill(429)]);

      await expect(
        connect(chargerFrom(controller, 'CP-GOOD', '198.51.100.20', PASSWORD)),
      ).resolves.toBeUndefined();
      await expect(
        connect(chargerFrom(controller, 'CP-GOOD-TOO', '203.0.113.10', PASSWORD)),
      ).resolves.toBeUndefined();
    });

    it("wrong passwords of an identity block it from that address only, and the address's other chargers not", async () => {
      for (let i = 0; i < 10; i++) {
        await expect(
          connect(chargerFrom(controller, 'CP-GOOD', '203.0.113.66', `guess-${i}`)),
        ).rejects.toEqual(new ConnectionRefusedError('CP-GOOD', 401));
      }
      await expect(connect(chargerFrom(controller, 'CP-GOOD', '203.0.113.66', PASSWORD))).rejects.toEqual(
        new ConnectionRefusedError('CP-GOOD', 429),
      );
      await expect(
        connect(chargerFrom(controller, 'CP-GOOD', '198.51.100.21', PASSWORD)),
      ).resolves.toBeUndefined();
      await expect(
        connect(chargerFrom(controller, 'CP-GOOD-TOO', '203.0.113.66', PASSWORD)),
      ).resolves.toBeUndefined();
    });
  });

  describe('without a trusted proxy', () => {
    let controller: TestController;

    beforeAll(async () => {
      controller = await startController();
      const siteId = await createSite(controller);
      await registerCharger(controller, siteId, 'CP-DIRECT');
    });

    afterAll(() => controller.app.close());

    it('ignores X-Forwarded-For: guesses under ever new forwarded addresses count for the socket address', async () => {
      for (let i = 0; i < 10; i++) {
        await expect(connect(chargerFrom(controller, `SPOOF-${i}`, `203.0.113.${i + 1}`))).rejects.toEqual(
          new ConnectionRefusedError(`SPOOF-${i}`, 404),
        );
      }
      await expect(connect(chargerFrom(controller, 'SPOOF-MORE', '198.51.100.99'))).rejects.toEqual(
        new ConnectionRefusedError('SPOOF-MORE', 429),
      );
      await expect(connect(chargerFrom(controller, 'CP-DIRECT', '198.51.100.99'))).resolves.toBeUndefined();
    });
  });

  describe('HTTP credentials, with a short window (AUTH_MAX_FAILURES=3, AUTH_FAILURE_WINDOW_S=3)', () => {
    const DSO_TOKEN = randomBytes(24).toString('hex');
    let controller: TestController;
    let server: Server;

    beforeAll(async () => {
      controller = await startController({
        TRUST_PROXY: '127.0.0.1',
        AUTH_MAX_FAILURES: 3,
        AUTH_FAILURE_WINDOW_S: 3,
      });
      server = controller.app.getHttpServer() as Server;
      await controller.admin
        .post('/api/v1/dso-peers', { name: 'dso-security', token: DSO_TOKEN })
        .expect(201);
    });

    afterAll(() => controller.app.close());

    const adminGet = (from: string, key: string) =>
      request(server).get('/api/v1/sites').set('X-Forwarded-For', from).set('X-API-Key', key);
    const oscpHeartbeat = (from: string, token: string) =>
      request(server)
        .post('/oscp/fp/2.0/heartbeat')
        .set('X-Forwarded-For', from)
        .set('X-Request-ID', randomBytes(8).toString('hex'))
        .set('Authorization', `Token ${token}`)
        .send({ offline_mode_at: 'not a date' });
    const signIn = (from: string, key: string) =>
      request(server).post('/dashboard/session').set('X-Forwarded-For', from).send({ key });

    it('admin API: 429 with Retry-After after too many wrong keys, for that address only; the key works after the block', async () => {
      for (let i = 0; i < 3; i++) await adminGet('203.0.113.1', `wrong-admin-key-${i}`).expect(401);
      const refused = await adminGet('203.0.113.1', TEST_API_KEY).expect(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      await adminGet('198.51.100.1', TEST_API_KEY).expect(200);
      await waitFor(async () =>
        (await adminGet('203.0.113.1', TEST_API_KEY)).status === 200 ? true : undefined,
      );
    });

    it('OSCP: 429 after too many unknown tokens; the peer token is let through after the block', async () => {
      for (let i = 0; i < 3; i++)
        await oscpHeartbeat('203.0.113.2', `unknown-token-${i}-xxxxxxxx`).expect(403);
      const refused = await oscpHeartbeat('203.0.113.2', DSO_TOKEN).expect(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      // 400: the guard let the token through, the body was then refused.
      await waitFor(async () =>
        (await oscpHeartbeat('203.0.113.2', DSO_TOKEN)).status === 400 ? true : undefined,
      );
    });

    it('dashboard sign-in: 429 after too many wrong keys; the key signs in after the block', async () => {
      for (let i = 0; i < 3; i++) await signIn('203.0.113.3', `wrong-dashboard-key-${i}`).expect(401);
      const refused = await signIn('203.0.113.3', TEST_API_KEY).expect(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      await waitFor(async () =>
        (await signIn('203.0.113.3', TEST_API_KEY)).status === 204 ? true : undefined,
      );
    });

    it('dashboard session: signing out ends it for good; expired and old HMAC cookies are refused', async () => {
      const signedIn = await signIn('198.51.100.3', TEST_API_KEY).expect(204);
      const setCookie = String(signedIn.headers['set-cookie']);
      expect(setCookie).toMatch(
        /^gridflex_dashboard=[\w-]{43}; Path=\/dashboard; Max-Age=43200; HttpOnly; SameSite=Strict$/,
      );
      const cookie = setCookie.split(';')[0];
      const snapshot = () => request(server).get('/dashboard/api/snapshot').set('Cookie', cookie);
      await snapshot().expect(200);

      await request(server).delete('/dashboard/session').set('Cookie', cookie).expect(204);
      await snapshot().expect(401);

      const sessions = controller.app.get(DashboardSessionsRepository);
      const expired = await sessions.create(new Date(Date.now() - 2 * sessions.ttlS * 1000));
      await request(server)
        .get('/dashboard/api/snapshot')
        .set('Cookie', `gridflex_dashboard=${expired}`)
        .expect(401);

      const hmac = createHmac('sha256', TEST_API_KEY)
        .update('gridflex dashboard session v1')
        .digest('base64url');
      await request(server)
        .get('/dashboard/api/snapshot')
        .set('Cookie', `gridflex_dashboard=${hmac}`)
        .expect(401);
    });
  });

  describe('PGlite data files', () => {
    let root: string;
    let umask: number;

    beforeAll(() => {
      root = mkdtempSync(join(tmpdir(), 'gridflex-pglite-modes-'));
      umask = process.umask(0);
    });

    afterAll(() => {
      process.umask(umask);
      rmSync(root, { recursive: true, force: true });
    });

    /** Every directory and file under `dir` with its permission bits; symbolic links are not followed. */
    function modes(dir: string): { dirs: Set<number>; files: Set<number> } {
      const found = { dirs: new Set([lstatSync(dir).mode & 0o777]), files: new Set<number>() };
      for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
        const stats = lstatSync(join(entry.parentPath, entry.name));
        if (stats.isDirectory()) found.dirs.add(stats.mode & 0o777);
        else if (stats.isFile()) found.files.add(stats.mode & 0o777);
      }
      return found;
    }

    it('are 0700/0600 under umask 000 when open and closed, also the data an earlier version left world-writable', async () => {
      const dataDir = join(root, 'pglite');
      mkdirSync(dataDir, { mode: 0o777 });
      const earlier = await PGlite.create(dataDir);
      await earlier.close();
      const lax = modes(dataDir);
      expect([...lax.files].some((mode) => (mode & 0o077) !== 0)).toBe(true);

      const handle = await openDatabase({ pgliteDataDir: dataDir });
      const whileOpen = modes(dataDir);
      await handle.close();
      expect(whileOpen).toEqual({ dirs: new Set([0o700]), files: new Set([0o600]) });
      expect(modes(dataDir)).toEqual({ dirs: new Set([0o700]), files: new Set([0o600]) });
    });
  });
});
