import type { ChargerSession } from './charger-session';

/** What a handler knows of the message besides its payload. */
export interface InboundContext {
  session: ChargerSession;
  /** When the message reached us: the reference its time stamps are judged against. */
  receivedAt: Date;
  /**
   * Proxy mode: the upstream central system's answer, which the charger gets, when the message was forwarded
   * before it was handled here (an OCPP 1.6 StartTransaction, whose transactionId the charger then holds).
   */
  upstreamAnswer?: object;
}

/**
 * Answers one action a charger sends. The payload has passed the version's JSON schema (ocpp-rpc strict mode)
 * and the answer is checked against it before it is sent. The request is typed `never` here so that each
 * handler of a table declares the request type its action's schema guarantees.
 */
export type InboundHandler = (request: never, context: InboundContext) => Promise<object>;

/** One OCPP version's answers: action → handler. An action not in it is answered `NotImplemented`. */
export type HandlerTable = Readonly<Record<string, InboundHandler>>;

/** An answer with no field, which is what most notifications get. */
export type EmptyResponse = Record<string, never>;

/** Heartbeat is answered alike in both versions: with our clock, which the charger sets its own by. */
export function heartbeat(): Promise<{ currentTime: string }> {
  return Promise.resolve({ currentTime: new Date().toISOString() });
}
