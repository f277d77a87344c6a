import type { ChargerSession } from './charger-session';

/**
 * `local`: gridflex answers the message itself (standalone mode). `forward`: the message goes to the charger's
 * upstream central system, whose answer the charger gets (proxy mode, not built yet).
 */
export type MessageRoute = 'local' | 'forward';

/**
 * The one place that decides who answers a message a charger sends. Every message is answered locally until
 * proxy mode gives chargers an upstream central system.
 */
export function route(_action: string, _session: ChargerSession): MessageRoute {
  return 'local';
}
