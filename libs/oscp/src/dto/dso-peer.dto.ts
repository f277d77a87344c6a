import type { DsoPeerOptions } from './dso-peer-options.dto';

/** A DSO peer as the admin API shows it: deliberately without any token data. */
export class DsoPeerDto {
  id!: string;
  name!: string;
  /** ISO 8601, UTC. */
  createdAt!: string;
  baseUrl!: string | null;
  /** Whether we hold a token to call the peer with (never the token itself). */
  canCallPeer!: boolean;
  options!: DsoPeerOptions;
  /** `PENDING` (initial token only), `AWAITING_REPLY`, `REGISTERED` or `UNREGISTERED`. */
  registration!: string;
  /** `UNKNOWN` (no handshake yet), `ONLINE` or `OFFLINE`: while OFFLINE its groups run on fallback. */
  link!: string;
  linkChangedAt!: string | null;
  /** What the peer asked of us in its Handshake. */
  peerRequiredBehaviour!: Record<string, unknown> | null;
  lastHeartbeatAt!: string | null;
  /** When the peer becomes OFFLINE unless it sends another heartbeat. */
  offlineModeAt!: string | null;
}
