/**
 * Who is at the other end of an authenticated OCPP connection. A type alias, not an interface, so that it
 * can be handed to ocpp-rpc as a plain session record.
 */
export type ChargerSession = {
  /** `chargers.id` (uuid). */
  chargerId: string;
  identity: string;
  siteId: string;
};
