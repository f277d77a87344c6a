import { Injectable, Logger } from '@nestjs/common';
import type { AuthorizationDecision, IdTokenAuthorizer, PresentedIdToken } from '@gridflex/ocpp';
import { AuthorizationRepository } from './authorization.repository';
import { decide, tokenKey } from './decide';

/** Answers both OCPP versions' authorization questions from the site's policy and the id token list. */
@Injectable()
export class AuthorizationService implements IdTokenAuthorizer {
  private readonly logger = new Logger(AuthorizationService.name);

  constructor(private readonly repository: AuthorizationRepository) {}

  async decide(chargerId: string, presented: PresentedIdToken, at: Date): Promise<AuthorizationDecision> {
    const charger = await this.repository.chargerContext(chargerId);
    // A charger is authenticated against its row; it can only vanish when deleted while connected.
    if (!charger) return { status: 'Invalid' };
    const found = await this.repository.findTokens([presented.idToken]);
    const token = found.get(tokenKey(presented.idToken)) ?? null;
    const parent = token?.parentIdToken
      ? ((await this.repository.findTokens([token.parentIdToken])).get(tokenKey(token.parentIdToken)) ?? null)
      : null;
    const decision = decide({ policy: charger.policy, siteId: charger.siteId, presented, token, parent, at });
    if (decision.status !== 'Accepted') {
      this.logger.debug(`${charger.identity}: an id token was refused (${decision.status})`);
    }
    return decision;
  }
}
