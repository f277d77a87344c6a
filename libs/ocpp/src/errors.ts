/** No WebSocket of that identity is open on this instance; worth retrying later. */
export class ChargerOfflineError extends Error {
  override readonly name = 'ChargerOfflineError';

  constructor(readonly identity: string) {
    super(`Charger ${identity} is not connected`);
  }
}

/** The charger did not answer within the call timeout; worth retrying later. */
export class OcppCallTimeoutError extends Error {
  override readonly name: string = 'OcppCallTimeoutError';

  constructor(
    readonly identity: string,
    readonly action: string,
  ) {
    super(`Charger ${identity} did not answer ${action} in time`);
  }
}

/**
 * The charger booted before answering: the call was abandoned (what was asked before a Boot is not answered
 * after it). Worth retrying, as a timeout; the charger's plans are pushed again once it is protected anew.
 */
export class OcppCallAbandonedError extends OcppCallTimeoutError {
  override readonly name = 'OcppCallAbandonedError';

  constructor(identity: string, action: string) {
    super(identity, action);
    this.message = `Charger ${identity} booted before answering ${action}: the call was abandoned`;
  }
}

/**
 * The charger answered with a CALLERROR, or with a result that breaks the OCPP schema (then `code` is the
 * schema violation ocpp-rpc found). Retrying the same payload will not help.
 */
export class OcppCallError extends Error {
  override readonly name = 'OcppCallError';

  constructor(
    readonly identity: string,
    readonly action: string,
    readonly code: string,
    readonly description: string,
  ) {
    super(`Charger ${identity} answered ${action} with ${code}${description ? `: ${description}` : ''}`);
  }
}
