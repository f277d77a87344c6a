import { Injectable, Logger } from '@nestjs/common';
import type {
  AuthorizationDecision,
  ConcurrencyScope,
  IdTokenAuthorizer,
  PresentedIdToken,
} from '@gridflex/ocpp';
import { AuthorizationRepository } from './authorization.repository';
import { decide, tokenKey } from './decide';

/**
 * Answers both OCPP versions' authorization questions from the site's policy and the id token list. A site
 * that does not allow concurrent transactions refuses a token the list accepts when it is already charging
 * elsewhere (`ConcurrentTx`); only the presented token counts, so members of one group charge side by side.
 */
@Injectable()
export class AuthorizationService implements IdTokenAuthorizer {
  private readonly logger = new Logger(AuthorizationService.name);

  constructor(private readonly repository: AuthorizationRepository) {}

  async decide(
    chargerId: string,
    presented: PresentedIdToken,
    at: Date,
    concurrency?: ConcurrencyScope,
  ): Promise<AuthorizationDecision> {
    const charger = await this.repository.chargerContext(chargerId);
    // A charger is authenticated against its row; it can only vanish when deleted while connected.
    if (!charger) return { status: 'Invalid' };
    const found = await this.repository.findTokens([presented.idToken]);
    const token = found.get(tokenKey(presented.idToken)) ?? null;
    const parent = token?.parentIdToken
      ? ((await this.repository.findTokens([token.parentIdToken])).get(tokenKey(token.parentIdToken)) ?? null)
      : null;
    const listed = decide({ policy: charger.policy, siteId: charger.siteId, presented, token, parent, at });
    const decision =
      listed.status === 'Accepted' &&
      concurrency !== undefined &&
      !charger.allowConcurrentTransactions &&
      (await this.repository.inOpenTransaction(presented.idToken, concurrency))
        ? { status: 'ConcurrentTx' as const }
        : listed;
    if (decision.status !== 'Accepted') {
      this.logger.debug(`${charger.identity}: an id token was refused (${decision.status})`);
    }
    return decision;
  }
}
