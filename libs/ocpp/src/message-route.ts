import type { ChargerSession } from './charger-session';

/**
 * `local`: gridflex answers the message itself (standalone mode). `forward`: the message also goes to the
 * charger's upstream central system, whose answer the charger gets (proxy mode).
 */
export type MessageRoute = 'local' | 'forward';

/** The one place that decides who answers a message a charger sends: its upstream when it has one. */
export function route(_action: string, session: ChargerSession): MessageRoute {
  return session.upstreamUrl === undefined ? 'local' : 'forward';
}
