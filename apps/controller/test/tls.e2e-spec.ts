import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConnectionRefusedError, SimulatedCharger } from '@gridflex/simulator';
import { pgliteTemplateFile } from '@gridflex/persistence/testing';
import { buildController, ControllerProcess, startControllerProcess } from './controller-process';

/** Security profile 2: the controller as `npm start` runs it, with a certificate: HTTPS and `wss://`. */
describe('TLS (security profile 2)', () => {
  let dir: string;
  let cert: string;
  let controller: ControllerProcess;

  beforeAll(async () => {
    buildController();
    dir = mkdtempSync(join(tmpdir(), 'gridflex-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'pipe' },
    );
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    controller = await startControllerProcess(
      {
        PGLITE_DATA_DIR: 'memory://',
        PGLITE_TEMPLATE_FILE: await pgliteTemplateFile(),
        QUEUE_PREFIX: `gridflex-tls-${randomBytes(4).toString('hex')}`,
        OSCP_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
        TLS_CERT_FILE: join(dir, 'cert.pem'),
        TLS_KEY_FILE: join(dir, 'key.pem'),
      },
      cert,
    );
  }, 180_000);

  afterAll(async () => {
    await controller?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the admin API over HTTPS and chargers over wss:// with their password', async () => {
    const site = await controller.admin
      .post('/api/v1/sites', { name: 'Secure', nominalVoltageV: 230, gridLimitA: { l1: 32, l2: 32, l3: 32 } })
      .expect(201);
    await controller.admin
      .post(`/api/v1/sites/${site.body.id}/chargers`, {
        identity: 'TLS-1',
        password: 'a-charger-password-16',
        ocppVersion: '1.6',
        connectors: [{ connectorId: 1, maxCurrentA: 32, phases: 3 }],
      })
      .expect(201);
    const endpoint = `wss://${controller.host}/ocpp`;
    const charger = new SimulatedCharger({
      endpoint,
      identity: 'TLS-1',
      password: 'a-charger-password-16',
      connectorCount: 1,
      trustedCa: cert,
    });
    await charger.connect();
    await expect(charger.boot()).resolves.toMatchObject({ status: 'Accepted' });
    await charger.close();

    const impostor = new SimulatedCharger({
      endpoint,
      identity: 'TLS-1',
      password: 'wrong-password-16',
      connectorCount: 1,
      trustedCa: cert,
    });
    await expect(impostor.connect()).rejects.toEqual(new ConnectionRefusedError('TLS-1', 401));
  });
});
