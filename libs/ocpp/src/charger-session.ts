/**
 * Who is at the other end of an authenticated OCPP connection. A type alias, not an interface, so that it
 * can be handed to ocpp-rpc as a plain session record.
 */
export type ChargerSession = {
  /** `chargers.id` (uuid). */
  chargerId: string;
  identity: string;
  siteId: string;
  /** The subprotocol negotiated on this connection. */
  protocol: OcppProtocol;
  /** Proxy mode: the upstream central system its messages are forwarded to; absent in standalone mode. */
  upstreamUrl?: string;
};

/** The OCPP-J subprotocols we speak, in order of preference. */
export const OCPP_PROTOCOLS = ['ocpp2.0.1', 'ocpp1.6'] as const;
export type OcppProtocol = (typeof OCPP_PROTOCOLS)[number];
