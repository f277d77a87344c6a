import type { InfeasibleLimitNode, LimitWarningsState } from '@gridflex/persistence';
import { describeNode } from './limit-feasibility';

/** A limit the planner cannot keep, as the API and the dashboard show it. */
export interface LimitWarningView {
  /** `group`, `site` or `circuit`. */
  kind: string;
  /** The group id, or the site's or circuit's id. */
  id: string;
  name: string;
  /** Per phase exceeded: what the load we do not steer takes, against the limit in force (A). */
  phases: { phase: string; reservedA: number; limitA: number }[];
  /** A site's total-power limit exceeded: the reserved load over its phases against it (kW); null: not. */
  totalKw: { reservedKw: number; limitKw: number } | null;
  /** When the planner first found it. */
  since: string;
  message: string;
}

export function limitWarningView(node: InfeasibleLimitNode): LimitWarningView {
  return {
    kind: node.kind,
    id: node.id,
    name: node.name,
    phases: node.phases,
    totalKw: node.totalKw ?? null,
    since: node.since,
    message: `Unsteered load alone exceeds the limit of ${describeNode(node)}`,
  };
}

/** The warnings that concern a site: its own and its circuits', and its group's. */
export function siteWarnings(state: LimitWarningsState | null, siteId: string): LimitWarningView[] {
  return (state?.nodes ?? [])
    .filter((node) => node.kind === 'group' || node.siteId === siteId)
    .map(limitWarningView);
}

/** The planning scope a site is planned in, as the warnings are stored. */
export function siteScopeKey(site: { id: string; groupId: string | null }): string {
  return site.groupId === null ? `site:${site.id}` : `group:${site.groupId}`;
}
