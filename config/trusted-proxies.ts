import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/** Whether an address (at a hop of X-Forwarded-For, 0 the socket's) is a proxy whose forwarding is believed. */
export type TrustedProxies = (address: string, hop: number) => boolean;

const TRUST_NONE: TrustedProxies = () => false;

/**
 * `TRUST_PROXY` as proxy-addr reads it: addresses, CIDRs or its names (`loopback`, `uniquelocal`, …).
 * Unset trusts none, so that a client cannot choose its own address with a forged X-Forwarded-For.
 * @throws TypeError naming an entry that is not an address, CIDR or name
 */
export function compileTrustedProxies(trustProxy: string | undefined): TrustedProxies {
  const entries = (trustProxy ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  return entries.length === 0 ? TRUST_NONE : proxyaddr.compile(entries);
}

/**
 * The client's address: the socket's, or, when that is a trusted proxy, the nearest X-Forwarded-For entry
 * not itself a trusted proxy. The same rule for HTTP requests and WebSocket upgrades.
 */
export function clientAddress(request: IncomingMessage, trusted: TrustedProxies): string {
  return proxyaddr(request, trusted) ?? 'unknown';
}
