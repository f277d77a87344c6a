import fc from 'fast-check';
import type { SimulatedCharger } from '@gridflex/simulator';
import {
  BACKGROUND_CHANGES,
  checkProperty,
  databaseDigest,
  EventLoopLagMonitor,
  FUZZ,
  IgnoredColumns,
  jsonText,
  malformedJsonText,
  mutationsOf,
  nastyScalar,
  nastyValue,
  propertyTimeoutMs,
  settledDigest,
} from './fuzz-harness';
import { connectCharger, registerCharger, startController, TestController, waitFor } from './test-controller';

/**
 * Every message proves the charger alive (`last_seen_at`), and every one that tells the charger's time updates
 * its clock offset: bookkeeping of the connection, not state that a refused message sets.
 */
const IGNORED: IgnoredColumns = { ...BACKGROUND_CHANGES, chargers: ['last_seen_at', 'clock_offset_s'] };

/**
 * A Boot, even one we refuse, says that the charger restarted and may have lost its profiles: it is protected
 * anew (docs/chargers.md), which re-sends its profiles (and may check them), re-reads its
 * capabilities and asks its status.
 */
const AFTER_BOOT: IgnoredColumns = {
  ...IGNORED,
  chargers: ['last_seen_at', 'clock_offset_s', 'capabilities'],
  connectors: ['status', 'status_at'],
  connector_plans: [
    'dispatch_status',
    'dispatch_detail',
    'dispatched_version',
    'dispatched_at',
    'renew_at',
    'verification',
    'verification_detail',
    'verified_at',
  ],
};

type Version = '1.6' | '2.0.1';

const now = () => new Date().toISOString();

/** A valid payload per action a charger sends, for the fuzzer to break. */
const VALID_CALLS: Record<Version, Record<string, () => object>> = {
  '1.6': {
    BootNotification: () => ({ chargePointVendor: 'Fuzz', chargePointModel: 'F1' }),
    Heartbeat: () => ({}),
    StatusNotification: () => ({
      connectorId: 1,
      errorCode: 'NoError',
      status: 'Available',
      timestamp: now(),
    }),
    MeterValues: () => ({
      connectorId: 1,
      meterValue: [
        {
          timestamp: now(),
          sampledValue: [{ value: '10', measurand: 'Current.Import', phase: 'L1', unit: 'A' }],
        },
      ],
    }),
    StartTransaction: () => ({ connectorId: 1, idTag: 'FUZZTAG', meterStart: 0, timestamp: now() }),
    StopTransaction: () => ({ transactionId: 1, meterStop: 100, timestamp: now() }),
    Authorize: () => ({ idTag: 'FUZZTAG' }),
    DataTransfer: () => ({ vendorId: 'fuzz', messageId: 'x', data: 'y' }),
    FirmwareStatusNotification: () => ({ status: 'Idle' }),
    DiagnosticsStatusNotification: () => ({ status: 'Uploading' }),
    SecurityEventNotification: () => ({ type: 'FirmwareUpdated', timestamp: now() }),
    SignCertificate: () => ({ csr: 'CSR' }),
  },
  '2.0.1': {
    BootNotification: () => ({ reason: 'PowerUp', chargingStation: { model: 'F1', vendorName: 'Fuzz' } }),
    Heartbeat: () => ({}),
    StatusNotification: () => ({ timestamp: now(), connectorStatus: 'Available', evseId: 1, connectorId: 1 }),
    MeterValues: () => ({
      evseId: 1,
      meterValue: [
        { timestamp: now(), sampledValue: [{ value: 10, measurand: 'Current.Import', phase: 'L1' }] },
      ],
    }),
    TransactionEvent: () => ({
      eventType: 'Started',
      timestamp: now(),
      triggerReason: 'CablePluggedIn',
      seqNo: 0,
      transactionInfo: { transactionId: 'tx-fuzz' },
      evse: { id: 1, connectorId: 1 },
    }),
    NotifyChargingLimit: () => ({ chargingLimit: { chargingLimitSource: 'EMS' } }),
    Authorize: () => ({ idToken: { idToken: 'FUZZTAG', type: 'ISO14443' } }),
    NotifyEvent: () => ({ generatedAt: now(), seqNo: 0, eventData: [] }),
    NotifyReport: () => ({ requestId: 1, generatedAt: now(), seqNo: 0 }),
    DataTransfer: () => ({ vendorId: 'fuzz', data: { a: [1] } }),
    NotifyEVChargingNeeds: () => ({
      evseId: 1,
      chargingNeeds: {
        requestedEnergyTransfer: 'DC',
        dcChargingParameters: { evMaxCurrent: 100, evMaxVoltage: 500 },
      },
    }),
    Get15118EVCertificate: () => ({
      iso15118SchemaVersion: 'urn:iso:15118:2:2013:MsgDef',
      action: 'Install',
      exiRequest: 'AA',
    }),
  },
};

/** A CALL, which gets a fresh message id when sent, or any other frame as text. */
type Frame = { action: string; payload: unknown } | { text: string };

let sentCalls = 0;

/** A CALL of a known action with a broken payload, or of an action that does not exist. */
function calls(version: Version): fc.Arbitrary<Frame> {
  const actions = Object.keys(VALID_CALLS[version]);
  const known = fc
    .constantFrom(...actions)
    .chain((action) =>
      fc.record({ action: fc.constant(action), payload: mutationsOf(VALID_CALLS[version][action]()) }),
    );
  const unknown = fc.record({
    action: fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('__proto__', 'constructor', 'toString')),
    payload: nastyValue,
  });
  return fc.oneof({ weight: 4, arbitrary: known }, { weight: 1, arbitrary: unknown });
}

/** Frames that are not a well-formed CALL: not JSON, not an array, wrong types, answers to nothing. */
const malformedFrames: fc.Arbitrary<Frame> = fc.oneof(
  malformedJsonText.map((text) => ({ text })),
  fc.array(nastyValue, { maxLength: 6 }).map((parts) => ({ text: jsonText(parts) })),
  fc
    .tuple(fc.constantFrom(2, 3, 4, 5, 0, -1, 2.5, '2'), nastyScalar, nastyValue, nastyValue)
    .map((parts) => ({ text: jsonText(parts) })),
  fc.tuple(fc.constantFrom(3, 4), fc.uuid(), nastyValue).map(([type, id, payload]) => ({
    text: type === 3 ? jsonText([3, id, payload]) : jsonText([4, id, 'GenericError', 'x', payload]),
  })),
);

describe.each<Version>(['1.6', '2.0.1'])('fuzzing OCPP %s frames over a real WebSocket', (version) => {
  let controller: TestController;
  let charger: SimulatedCharger;
  const identity = `FUZZ-${version.replace(/\./g, '')}`;
  const replies = new Map<string, unknown[]>();
  const lag = new EventLoopLagMonitor();

  beforeAll(async () => {
    controller = await startController({
      // No pacing: a refusal for speed is not what these properties look for.
      OCPP_MESSAGE_RATE_PER_S: 10_000,
      OCPP_MESSAGE_BURST: 10_000,
      // Re-planning after an accepted input starts at once, before the database is read as settled.
      PLANNING_DEBOUNCE_MS: 0,
    });
    const site = await controller.admin
      .post('/api/v1/sites', {
        name: 'Fuzzed depot',
        nominalVoltageV: 230,
        gridLimitA: { l1: 63, l2: 63, l3: 63 },
      })
      .expect(201);
    await registerCharger(controller, site.body.id, identity, { ocppVersion: version });
    charger = await connectCharger(controller, identity, { ocppVersion: version });
    charger.onFrame((text) => recordReply(text));
    await charger.boot();
    await settledDigest(controller.app, IGNORED);
    lag.start();
  });

  afterAll(async () => {
    lag.stop();
    await charger.close();
    await controller.app.close();
  });

  function recordReply(text: string): void {
    try {
      const message: unknown = JSON.parse(text);
      if (Array.isArray(message) && (message[0] === 3 || message[0] === 4) && typeof message[1] === 'string')
        replies.set(message[1], message);
    } catch {
      // The controller sends only JSON; anything else shows as a missing reply.
    }
  }

  /**
   * The invariants for one frame: the connection stays open and the controller answers a Heartbeat after
   * it; a CALL is answered, never with InternalError (OCPP's 5xx); a refusal changes nothing in the
   * database; the event loop never stalls. An accepted CALL may change state: it settles before the next.
   */
  async function expectSafe(frame: Frame): Promise<void> {
    const boot = 'action' in frame && frame.action === 'BootNotification';
    const ignored = boot ? AFTER_BOOT : IGNORED;
    const before = await databaseDigest(controller.app, ignored);
    let reply: unknown[] | undefined;
    if ('action' in frame) {
      const callId = `fuzz-${++sentCalls}`;
      charger.sendRaw(
        `[2,${JSON.stringify(callId)},${JSON.stringify(frame.action)},${jsonText(frame.payload)}]`,
      );
      reply = await waitFor(() => Promise.resolve(replies.get(callId)));
    } else {
      charger.sendRaw(frame.text);
    }
    await charger.heartbeat();
    if (reply?.[0] === 3) {
      await settledDigest(controller.app, IGNORED);
    } else {
      expect(reply?.[2]).not.toBe('InternalError');
      const after = boot
        ? await settledDigest(controller.app, ignored)
        : await databaseDigest(controller.app, ignored);
      expect(after).toEqual(before);
    }
    expect(lag.maxLagMs()).toBeLessThanOrEqual(FUZZ.maxLagMs);
  }

  it(
    'answers CALLs with broken payloads and unknown actions, never with InternalError, and a refusal changes nothing',
    async () => {
      await checkProperty(`ocpp ${version} calls`, calls(version), expectSafe);
    },
    propertyTimeoutMs(),
  );

  it(
    'stays connected through malformed frames, which change nothing',
    async () => {
      await checkProperty(`ocpp ${version} malformed frames`, malformedFrames, expectSafe);
    },
    propertyTimeoutMs(),
  );
});
