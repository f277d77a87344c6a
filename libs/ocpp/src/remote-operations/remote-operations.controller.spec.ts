import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Database } from '@gridflex/persistence';
import { OcppVersion, SimulatedCharger } from '@gridflex/simulator';
import { OcppGatewayService } from '../ocpp-gateway.service';
import { insertCharger } from '../testing/charger-fixtures';
import { startOcppTestApp } from '../testing/ocpp-test-app';

const API_KEY = 'k'.repeat(32);

describe('Remote operations admin API over real WebSockets', () => {
  let app: INestApplication;
  let db: Database;
  let gateway: OcppGatewayService;
  let endpoint: string;
  let sequence = 0;
  const connected: SimulatedCharger[] = [];

  beforeAll(async () => {
    ({ app, endpoint, db } = await startOcppTestApp({
      ADMIN_API_KEY: API_KEY,
      // Short, so that the timeout case does not hold the suite up.
      OCPP_CALL_TIMEOUT_MS: 500,
    }));
    gateway = app.get(OcppGatewayService);
  });

  afterEach(async () => {
    await Promise.all(connected.splice(0).map((charger) => charger.close()));
  });

  afterAll(() => app.close());

  const post = (identity: string, operation: string, body: object) =>
    request(app.getHttpServer())
      .post(`/api/v1/chargers/${identity}/${operation}`)
      .set('X-API-Key', API_KEY)
      .send(body);

  async function registered(ocppVersion: OcppVersion): Promise<string> {
    sequence += 1;
    const { identity } = await insertCharger(db, { identity: `RO-${sequence}`, ocppVersion });
    return identity;
  }

  /** A connected simulated charger, once the gateway's own calls on connection (ending with its trigger) came. */
  async function connect(ocppVersion: OcppVersion): Promise<SimulatedCharger> {
    const charger = new SimulatedCharger({
      endpoint,
      identity: await registered(ocppVersion),
      ocppVersion,
      connectorCount: 2,
    });
    connected.push(charger);
    await charger.connect();
    await waitUntil(() => gateway.isConnected(charger.identity) && charger.triggeredMessages.length > 0);
    return charger;
  }

  describe.each(['1.6', '2.0.1'] as const)('OCPP %s', (version) => {
    it('clears charging profiles and answers with the charger status', async () => {
      const charger = await connect(version);
      const purpose = version === '1.6' ? 'ChargePointMaxProfile' : 'ChargingStationMaxProfile';

      const response = await post(charger.identity, 'clear-charging-profile', {
        connectorId: 0,
        purpose,
        stackLevel: 0,
        chargingProfileId: 1,
      });

      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: 'Accepted' });
      expect(charger.clearRequests).toEqual([
        version === '1.6'
          ? { id: 1, connectorId: 0, chargingProfilePurpose: purpose, stackLevel: 0 }
          : {
              chargingProfileId: 1,
              chargingProfileCriteria: { evseId: 0, chargingProfilePurpose: purpose, stackLevel: 0 },
            },
      ]);
    });

    it("returns the charger's composite schedule", async () => {
      const charger = await connect(version);

      const response = await post(charger.identity, 'composite-schedule', {
        connectorId: 1,
        durationS: 3600,
        unit: 'A',
      });

      expect(response.status).toBe(200);
      expect(response.body.status).toBe('Accepted');
      const schedule = version === '1.6' ? response.body.chargingSchedule : response.body.schedule;
      expect(schedule).toMatchObject({ chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0 }] });
    });

    it('triggers a message of the version', async () => {
      const charger = await connect(version);
      const triggeredBefore = charger.triggeredMessages.length;

      const response = await post(charger.identity, 'trigger-message', {
        requestedMessage: 'StatusNotification',
        connectorId: 1,
      });

      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: 'Accepted' });
      expect(charger.triggeredMessages.slice(triggeredBefore)).toEqual(['StatusNotification']);
    });

    it('maps a configuration change to the version’s message', async () => {
      const charger = await connect(version);
      const body =
        version === '1.6'
          ? { key: 'MeterValueSampleInterval', value: '60' }
          : { component: 'SampledDataCtrlr', variable: 'TxUpdatedInterval', value: '60' };

      const response = await post(charger.identity, 'configuration', body);

      expect(response.status).toBe(200);
      if (version === '1.6') {
        expect(response.body).toEqual({ status: 'Accepted' });
        expect(charger.configurationChanges).toEqual([{ key: 'MeterValueSampleInterval', value: '60' }]);
      } else {
        expect(response.body.setVariableResult).toEqual([
          {
            attributeStatus: 'Accepted',
            component: { name: 'SampledDataCtrlr' },
            variable: { name: 'TxUpdatedInterval' },
          },
        ]);
        expect(charger.configurationChanges).toEqual([
          {
            setVariableData: [
              {
                attributeValue: '60',
                component: { name: 'SampledDataCtrlr' },
                variable: { name: 'TxUpdatedInterval' },
              },
            ],
          },
        ]);
      }
    });

    it('answers 502 with the code and description of a CALLERROR', async () => {
      const charger = await connect(version);
      charger.callErrors.set('TriggerMessage', 'NotSupported');

      const response = await post(charger.identity, 'trigger-message', { requestedMessage: 'Heartbeat' });

      expect(response.status).toBe(502);
      expect(response.body).toMatchObject({
        code: 'NotSupported',
        description: 'Simulated NotSupported for TriggerMessage',
      });
    });
  });

  describe('errors', () => {
    it('answers 404 for an unknown identity', async () => {
      const response = await post('NOBODY', 'trigger-message', { requestedMessage: 'Heartbeat' });

      expect(response.status).toBe(404);
    });

    it('answers 409 while the charger is offline', async () => {
      const identity = await registered('1.6');

      const response = await post(identity, 'trigger-message', { requestedMessage: 'Heartbeat' });

      expect(response.status).toBe(409);
      expect(response.body.message).toBe(`Charger ${identity} is not connected`);
    });

    it('answers 504 when the charger does not answer in time', async () => {
      const charger = await connect('2.0.1');
      // Longer than OCPP_CALL_TIMEOUT_MS.
      charger.answerDelayMs = 2000;

      const response = await post(charger.identity, 'clear-charging-profile', {});

      expect(response.status).toBe(504);
    });

    it('answers 401 without the admin key', async () => {
      const identity = await registered('1.6');

      const response = await request(app.getHttpServer())
        .post(`/api/v1/chargers/${identity}/trigger-message`)
        .send({ requestedMessage: 'Heartbeat' });

      expect(response.status).toBe(401);
    });

    it('refuses an invalid body with field messages', async () => {
      const charger = await connect('1.6');

      const response = await post(charger.identity, 'composite-schedule', {
        connectorId: -1,
        unit: 'kW',
        extra: true,
      });

      expect(response.status).toBe(400);
      expect(response.body.errors.map((error: { field: string }) => error.field).sort()).toEqual([
        'connectorId',
        'durationS',
        'extra',
        'unit',
      ]);
    });

    it('refuses a message the charger version cannot trigger, sending nothing', async () => {
      const charger = await connect('2.0.1');
      const triggeredBefore = charger.triggeredMessages.length;

      const response = await post(charger.identity, 'trigger-message', {
        requestedMessage: 'DiagnosticsStatusNotification',
      });

      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([
        { field: 'requestedMessage', messages: [expect.stringContaining('for OCPP 2.0.1')] },
      ]);
      expect(charger.triggeredMessages).toHaveLength(triggeredBefore);
    });

    it('refuses 1.6 configuration fields for a 2.0.1 station, sending nothing', async () => {
      const charger = await connect('2.0.1');

      const response = await post(charger.identity, 'configuration', {
        key: 'HeartbeatInterval',
        value: '60',
      });

      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([
        { field: 'component', messages: ['component is required for OCPP 2.0.1'] },
        { field: 'variable', messages: ['variable is required for OCPP 2.0.1'] },
        { field: 'key', messages: ['key does not apply to OCPP 2.0.1'] },
      ]);
      expect(charger.configurationChanges).toEqual([]);
    });

    it('refuses a purpose of the other version', async () => {
      const charger = await connect('1.6');

      const response = await post(charger.identity, 'clear-charging-profile', {
        purpose: 'ChargingStationMaxProfile',
      });

      expect(response.status).toBe(400);
      expect(response.body.errors[0].field).toBe('purpose');
    });
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  if (!condition()) throw new Error('condition not met');
}
