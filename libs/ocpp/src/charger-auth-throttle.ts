import type { AuthThrottleService } from '@gridflex/common';

/**
 * Failures of one identity from all addresses together that block it everywhere: many times those of one
 * address, so that a single guesser only blocks itself, while guessing one charger's password from many
 * addresses is still bounded.
 */
const IDENTITY_FAILURES_FACTOR = 10;

/**
 * Which failed charger authentications block whom. Chargers often share an address (a proxy, a NAT), so a
 * block never reaches further than what failed: unknown identities from an address block only further
 * unknown identities from it; wrong passwords of an identity block that identity from that address (and,
 * in far greater numbers, everywhere). A known identity from an address not blocked for it always gets its
 * password checked.
 */
export class ChargerAuthThrottle {
  private readonly identityMaxFailures: number;

  constructor(
    private readonly throttle: AuthThrottleService,
    maxFailures: number,
  ) {
    this.identityMaxFailures = maxFailures * IDENTITY_FAILURES_FACTOR;
  }

  /** Why the attempt is refused at once (429), or undefined when its credential is to be checked. */
  refusal(address: string, identity: string, known: boolean): string | undefined {
    const keys = known
      ? [identityFromAddress(address, identity), identityAnywhere(identity)]
      : [unknownFromAddress(address)];
    const retryAfterS = Math.max(0, ...keys.map((key) => this.throttle.retryAfterS(key) ?? 0));
    return retryAfterS > 0 ? `Too many failed authentications: retry in ${retryAfterS} s` : undefined;
  }

  unknownIdentity(address: string, identity: string): void {
    this.throttle.recordFailure(
      unknownFromAddress(address),
      `unknown charge point ${JSON.stringify(identity)}`,
    );
  }

  wrongPassword(address: string, identity: string, presented: boolean): void {
    const what = presented ? 'wrong password' : 'no password';
    this.throttle.recordFailure(identityFromAddress(address, identity), what);
    this.throttle.recordFailure(identityAnywhere(identity), what, this.identityMaxFailures);
  }

  /** The right password: earlier guesses from this address no longer count against the charger here. */
  succeeded(address: string, identity: string): void {
    this.throttle.recordSuccess(identityFromAddress(address, identity));
  }
}

function unknownFromAddress(address: string): string {
  return `unknown OCPP identities from ${address}`;
}

function identityFromAddress(address: string, identity: string): string {
  return `OCPP identity ${JSON.stringify(identity)} from ${address}`;
}

function identityAnywhere(identity: string): string {
  return `OCPP identity ${JSON.stringify(identity)} from any address`;
}
