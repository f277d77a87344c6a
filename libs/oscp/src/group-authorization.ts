import type { DsoPeer } from './dso-peers.repository';

/** Why a peer may not send or be asked for a group; said to the DSO and to the admin alike. */
export function notBoundMessage(peer: DsoPeer, groupId: string): string {
  return (
    `DSO peer ${JSON.stringify(peer.name)} is not bound to group_id ${JSON.stringify(groupId)}: ` +
    'a group is governed by the one DSO peer the CPO bound it to (groupIds)'
  );
}
