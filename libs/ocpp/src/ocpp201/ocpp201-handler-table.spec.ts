import { INestApplication } from '@nestjs/common';
import { RPCClient } from 'ocpp-rpc';
import { Database } from '@gridflex/persistence';
import { insertCharger } from '../testing/charger-fixtures';
import { getChargerEvents, strictCharger, walk, WalkStep } from '../testing/handler-table-walk';
import { startOcppTestApp } from '../testing/ocpp-test-app';
import { Ocpp201HandlersService } from './ocpp201-handlers.service';

const API_KEY = 'f'.repeat(32);

/**
 * Every message a 2.0.1 station may send, in the functional blocks A Security, B Provisioning, C Authorization,
 * E Transactions, G Availability, H Reservation, J Meter Values, K Smart Charging, L Firmware, M ISO 15118
 * certificates, N Diagnostics, O Display Messages and P DataTransfer.
 */
const STATION_SENT_201 = [
  'Authorize',
  'BootNotification',
  'ClearedChargingLimit',
  'DataTransfer',
  'FirmwareStatusNotification',
  'Get15118EVCertificate',
  'GetCertificateStatus',
  'Heartbeat',
  'LogStatusNotification',
  'MeterValues',
  'NotifyChargingLimit',
  'NotifyCustomerInformation',
  'NotifyDisplayMessages',
  'NotifyEVChargingNeeds',
  'NotifyEVChargingSchedule',
  'NotifyEvent',
  'NotifyMonitoringReport',
  'NotifyReport',
  'PublishFirmwareStatusNotification',
  'ReportChargingProfiles',
  'ReservationStatusUpdate',
  'SecurityEventNotification',
  'SignCertificate',
  'StatusNotification',
  'TransactionEvent',
];

const now = () => new Date().toISOString();
/** A believable stamp of the station's, a minute before the test runs. */
const aMinuteAgo = new Date(Date.now() - 60_000).toISOString();
const idToken = { idToken: 'TAG-1', type: 'ISO14443' };
const component = { name: 'EVSE', evse: { id: 1 } };
const variable = { name: 'AvailabilityState' };
const schedule = { id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] };
const NO_PKI = { reasonCode: 'NoPKI', additionalInfo: expect.any(String) };

/** The messages kept as events, with a schema-valid example each. */
const stored = {
  DataTransfer: { vendorId: 'com.example.unknown', messageId: 'Hello', data: { a: 1 } },
  FirmwareStatusNotification: { status: 'Installed', requestId: 3 },
  Get15118EVCertificate: {
    iso15118SchemaVersion: 'urn:iso:15118:2:2013:MsgDef',
    action: 'Install',
    exiRequest: 'AAEC',
  },
  GetCertificateStatus: {
    ocspRequestData: {
      hashAlgorithm: 'SHA256',
      issuerNameHash: 'aa',
      issuerKeyHash: 'bb',
      serialNumber: '01',
      responderURL: 'http://ocsp.example.com',
    },
  },
  LogStatusNotification: { status: 'Uploaded', requestId: 4 },
  NotifyCustomerInformation: { data: 'no data', seqNo: 0, generatedAt: aMinuteAgo, requestId: 5 },
  NotifyDisplayMessages: {
    requestId: 6,
    messageInfo: [{ id: 1, priority: 'NormalCycle', message: { format: 'UTF8', content: 'Welcome' } }],
  },
  NotifyEVChargingNeeds: {
    evseId: 1,
    maxScheduleTuples: 12,
    chargingNeeds: {
      requestedEnergyTransfer: 'AC_three_phase',
      departureTime: new Date(Date.now() + 3 * 3600_000).toISOString(),
      acChargingParameters: { energyAmount: 20000, evMinCurrent: 6, evMaxCurrent: 32, evMaxVoltage: 400 },
    },
  },
  NotifyEVChargingSchedule: { timeBase: aMinuteAgo, evseId: 1, chargingSchedule: schedule },
  NotifyEvent: {
    generatedAt: aMinuteAgo,
    seqNo: 0,
    eventData: [
      {
        eventId: 1,
        timestamp: aMinuteAgo,
        trigger: 'Delta',
        actualValue: 'Occupied',
        eventNotificationType: 'HardWiredNotification',
        component,
        variable,
      },
    ],
  },
  NotifyMonitoringReport: {
    requestId: 7,
    seqNo: 0,
    generatedAt: aMinuteAgo,
    monitor: [
      {
        component,
        variable,
        variableMonitoring: [{ id: 1, transaction: false, value: 1, type: 'Delta', severity: 5 }],
      },
    ],
  },
  NotifyReport: {
    requestId: 8,
    generatedAt: aMinuteAgo,
    seqNo: 0,
    reportData: [{ component, variable, variableAttribute: [{ type: 'Actual', value: 'Available' }] }],
  },
  PublishFirmwareStatusNotification: { status: 'Published', location: ['http://local/fw.bin'], requestId: 9 },
  ReportChargingProfiles: {
    requestId: 10,
    chargingLimitSource: 'CSO',
    evseId: 1,
    chargingProfile: [
      {
        id: 11,
        stackLevel: 0,
        chargingProfilePurpose: 'TxDefaultProfile',
        chargingProfileKind: 'Absolute',
        chargingSchedule: [schedule],
      },
    ],
  },
  ReservationStatusUpdate: { reservationId: 12, reservationUpdateStatus: 'Expired' },
  SecurityEventNotification: { type: 'FirmwareUpdated', timestamp: aMinuteAgo, techInfo: 'v2' },
  SignCertificate: { csr: '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----' },
};
type StoredAction = keyof typeof stored;

const empty = (answer: object) => expect(answer).toEqual({});

/** What each kept message is answered. */
const STORED_ANSWERS: Record<StoredAction, object> = {
  DataTransfer: { status: 'UnknownVendorId' },
  FirmwareStatusNotification: {},
  Get15118EVCertificate: { status: 'Failed', statusInfo: NO_PKI, exiResponse: '' },
  GetCertificateStatus: { status: 'Failed', statusInfo: NO_PKI },
  LogStatusNotification: {},
  NotifyCustomerInformation: {},
  NotifyDisplayMessages: {},
  // Without planning (no EV_CHARGING_NEEDS_SINK) no schedule answers the EV's needs.
  NotifyEVChargingNeeds: { status: 'Rejected' },
  NotifyEVChargingSchedule: { status: 'Accepted' },
  NotifyEvent: {},
  NotifyMonitoringReport: {},
  NotifyReport: {},
  PublishFirmwareStatusNotification: {},
  ReportChargingProfiles: {},
  ReservationStatusUpdate: {},
  SecurityEventNotification: {},
  SignCertificate: { status: 'Rejected', statusInfo: NO_PKI },
};

const transaction = (eventType: string, seqNo: number, extra: object = {}) => ({
  eventType,
  timestamp: now(),
  triggerReason: eventType === 'Ended' ? 'StopAuthorized' : 'Authorized',
  seqNo,
  transactionInfo: { transactionId: 'TX-1', ...(eventType === 'Ended' && { stoppedReason: 'Local' }) },
  evse: { id: 1, connectorId: 1 },
  ...extra,
});

const STEPS: WalkStep<object>[] = [
  {
    action: 'BootNotification',
    payload: () => ({ reason: 'PowerUp', chargingStation: { model: 'Wallbox', vendorName: 'ACME' } }),
    check: (answer) => expect(answer).toMatchObject({ status: 'Accepted', interval: expect.any(Number) }),
  },
  {
    action: 'Heartbeat',
    payload: () => ({}),
    check: (answer) => expect(Number.isNaN(Date.parse(answer.currentTime as string))).toBe(false),
  },
  {
    action: 'StatusNotification',
    payload: () => ({ timestamp: now(), connectorStatus: 'Occupied', evseId: 1, connectorId: 1 }),
    check: empty,
  },
  {
    action: 'Authorize',
    payload: () => ({ idToken }),
    check: (answer) => expect(answer).toEqual({ idTokenInfo: { status: 'Accepted' } }),
  },
  {
    action: 'TransactionEvent',
    payload: () => transaction('Started', 0, { idToken }),
    check: (answer) => expect(answer).toEqual({ idTokenInfo: { status: 'Accepted' } }),
  },
  {
    action: 'MeterValues',
    payload: () => ({
      evseId: 1,
      meterValue: [
        {
          timestamp: now(),
          sampledValue: [
            { value: 16, measurand: 'Current.Import', phase: 'L1', unitOfMeasure: { unit: 'A' } },
          ],
        },
      ],
    }),
    check: empty,
  },
  {
    action: 'NotifyChargingLimit',
    payload: () => ({
      evseId: 1,
      chargingLimit: { chargingLimitSource: 'EMS' },
      chargingSchedule: [schedule],
    }),
    check: empty,
  },
  {
    action: 'ClearedChargingLimit',
    payload: () => ({ chargingLimitSource: 'EMS', evseId: 1 }),
    check: empty,
  },
  {
    action: 'TransactionEvent',
    payload: () => transaction('Ended', 1),
    check: empty,
  },
  ...(Object.keys(stored) as StoredAction[]).map((action) => ({
    action,
    payload: () => stored[action],
    check: (answer: object) => expect(answer).toEqual(STORED_ANSWERS[action]),
  })),
];

describe('OCPP 2.0.1 handler table over a real WebSocket', () => {
  let app: INestApplication;
  let db: Database;
  let endpoint: string;
  let client: RPCClient | undefined;

  beforeAll(async () => {
    ({ app, endpoint, db } = await startOcppTestApp({ ADMIN_API_KEY: API_KEY }));
  });

  afterAll(async () => {
    await client?.close();
    await app.close();
  });

  it('answers every message a 2.0.1 station may send, validly and meaningfully, and keeps what an operator needs', async () => {
    expect(Object.keys(app.get(Ocpp201HandlersService).table).sort()).toEqual(STATION_SENT_201);
    expect([...new Set(STEPS.map((step) => step.action))].sort()).toEqual(STATION_SENT_201);
    await insertCharger(db, { identity: 'T201-WALK', ocppVersion: '2.0.1', connectorIds: [1] });
    client = await strictCharger(endpoint, 'T201-WALK', 'ocpp2.0.1');

    await walk(client, 'ocpp2.0.1', STEPS, {});

    const response = await getChargerEvents(app, API_KEY, 'T201-WALK', { limit: 500 });
    expect(response.status).toBe(200);
    const events = response.body.events as { kind: StoredAction; payload: object; at: string }[];
    expect(events.map((event) => event.kind).sort()).toEqual(Object.keys(stored).sort());
    for (const event of events) expect(event.payload).toEqual(stored[event.kind]);
    const stamped = events.filter((event) =>
      ['NotifyEvent', 'NotifyReport', 'SecurityEventNotification'].includes(event.kind),
    );
    expect(stamped.map((event) => event.at)).toEqual([aMinuteAgo, aMinuteAgo, aMinuteAgo]);
  });
});
