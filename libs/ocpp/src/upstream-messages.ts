import type { OcppProtocol } from './charger-session';

/**
 * The messages a charger sends that its upstream central system must receive even when it is unreachable at
 * the time: what it bills and reports from (transactions and meter values). They are queued durably and
 * replayed in order. Everything else describes a present that is gone by the time the upstream returns
 * (Heartbeat, StatusNotification, Authorize, BootNotification, notifications) and is answered locally only.
 */
const DELIVERED_LATER: Readonly<Record<OcppProtocol, ReadonlySet<string>>> = {
  'ocpp1.6': new Set(['StartTransaction', 'StopTransaction', 'MeterValues']),
  'ocpp2.0.1': new Set(['TransactionEvent', 'MeterValues']),
};

export function mustReachUpstream(protocol: OcppProtocol, action: string): boolean {
  return DELIVERED_LATER[protocol].has(action);
}

/** An OCPP 1.6 StartTransaction: the message whose answer hands out a transactionId. */
export function isStart16(protocol: OcppProtocol, action: string): boolean {
  return protocol === 'ocpp1.6' && action === 'StartTransaction';
}

/** A BootNotification answer (1.6 or 2.0.1) accepting the charger; false for Pending, Rejected or none. */
export function isAcceptedBoot(answer: object | undefined): boolean {
  return (answer as { status?: unknown } | undefined)?.status === 'Accepted';
}

type IdPath = readonly string[];

/** Where an OCPP 1.6 charger's messages name a transaction by the id the charger holds. */
const CHARGER_MESSAGE_IDS: Readonly<Record<string, IdPath>> = {
  StopTransaction: ['transactionId'],
  MeterValues: ['transactionId'],
};

/**
 * Where an OCPP 1.6 upstream's calls name a transaction by the upstream's id. A RemoteStartTransaction's
 * profile should name none, but one that does names the upstream's.
 */
const UPSTREAM_CALL_IDS: Readonly<Record<string, IdPath>> = {
  RemoteStopTransaction: ['transactionId'],
  SetChargingProfile: ['csChargingProfiles', 'transactionId'],
  RemoteStartTransaction: ['chargingProfile', 'transactionId'],
};

export type IdCarrier = 'charger-message' | 'upstream-call';

const CARRIERS: Readonly<Record<IdCarrier, Readonly<Record<string, IdPath>>>> = {
  'charger-message': CHARGER_MESSAGE_IDS,
  'upstream-call': UPSTREAM_CALL_IDS,
};

/** The transactionId an OCPP 1.6 message carries, or undefined when it carries none. */
export function transactionIdIn(carrier: IdCarrier, action: string, params: unknown): number | undefined {
  const path = CARRIERS[carrier][action];
  if (!path) return undefined;
  let node: unknown = params;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'number' ? node : undefined;
}

/** A copy of the message naming `transactionId` instead; the message itself is left as received. */
export function withTransactionId<T>(
  carrier: IdCarrier,
  action: string,
  params: T,
  transactionId: number,
): T {
  const path = CARRIERS[carrier][action];
  if (!path || transactionIdIn(carrier, action, params) === undefined) return params;
  return replaceAt(params, path, transactionId) as T;
}

function replaceAt(node: unknown, path: IdPath, value: number): unknown {
  const [key, ...rest] = path;
  const record = node as Record<string, unknown>;
  return { ...record, [key]: rest.length === 0 ? value : replaceAt(record[key], rest, value) };
}
