import { DEFAULT_PHASE_VOLTAGE_V } from '@gridflex/optimizer';
import { excludedChargerLoads, isUnsteered, reservedByNode, type SiteCapacity } from './plan-builder';
import type { schema } from '@gridflex/persistence';
import type { PlanningConnector } from './planning.repository';
import { transformerPhaseBoundA } from './transformer-limits';

/** A site as its fail-safe shares see it: its capacity now, and what it may draw on its DSO's fallback. */
export interface FailSafeSite extends Pick<
  SiteCapacity,
  'id' | 'limitsA' | 'baseLoadA' | 'totalLimitW' | 'nominalVoltageV' | 'circuits' | 'transformer'
> {
  /** Per phase, the site's part of its DSO group's fallback capacity; null when no DSO limits it. */
  fallbackA: readonly number[] | null;
}

/**
 * What each charger may draw per phase should it lose us (chargerId → A per phase). Every node of the site —
 * the grid connection at its fallback capacity, and each circuit — is split evenly over the steered chargers
 * under it, after its base load and what unsteered chargers may draw (their maximum, as the planner reserves
 * it); a charger gets the smallest of the splits above it. Even when every charger holds its share at once,
 * no node is overloaded. A charger with no steered connector gets the maximum the planner reserves for it.
 */
export function failSafeShares(site: FailSafeSite, connectors: PlanningConnector[]): Map<string, number> {
  const own = connectors.filter((c) => c.siteId === site.id && c.chargerId);
  const parents = new Map<string, string | null>([
    [site.id, null],
    ...(site.circuits ?? []).map((c): [string, string] => [c.id, c.parentId ?? site.id]),
  ]);
  const ancestors = (nodeId: string): string[] => {
    const path: string[] = [];
    for (let id: string | null | undefined = nodeId; id; id = parents.get(id)) path.push(id);
    return path;
  };
  const unsteered = excludedChargerLoads(own);
  const reserved = reservedByNode(parents, unsteered);
  const headroom = new Map(
    [...nodeHeadroom(site)].map(([id, amps]) => [
      id,
      amps.map((a, phase) => a - (reserved.get(id)?.[phase] ?? 0)),
    ]),
  );
  const steered = steeredChargerNodes(own);
  const counts = new Map<string, number>();
  for (const nodeId of steered.values()) {
    for (const id of ancestors(nodeId)) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const shares = new Map<string, number>();
  for (const [chargerId, nodeId] of steered) {
    const splits = ancestors(nodeId).map((id) => Math.min(...headroom.get(id)!) / counts.get(id)!);
    splits.push(totalSplitA(site, unsteered, counts.get(site.id)!));
    shares.set(chargerId, Math.max(0, Math.min(...splits)));
  }
  for (const c of own) {
    if (!shares.has(c.chargerId!)) shares.set(c.chargerId!, reservedMaximumA(own, c.chargerId!));
  }
  return shares;
}

/**
 * Per node, per phase: the site's capacity on fallback (and beside its base load), each circuit's limit,
 * within a per-phase bound of their transformer's (a share has no phase angle to count on).
 */
function nodeHeadroom(site: FailSafeSite): Map<string, number[]> {
  const base = site.baseLoadA ?? [0, 0, 0];
  const bound = (transformer: schema.TransformerColumn | null | undefined) =>
    transformer ? transformerPhaseBoundA(transformer, site.nominalVoltageV) : Infinity;
  const siteBoundA = bound(site.transformer);
  const siteA = site.limitsA.map(
    (limit, phase) => Math.min(limit, siteBoundA, site.fallbackA?.[phase] ?? Infinity) - base[phase],
  );
  return new Map([
    [site.id, siteA],
    ...(site.circuits ?? []).map((c): [string, number[]] => [
      c.id,
      c.limitsA.map((limit) => Math.min(limit, bound(c.transformer))),
    ]),
  ]);
}

/** chargerId → the node it hangs under, for chargers with at least one connector we steer. */
function steeredChargerNodes(connectors: PlanningConnector[]): Map<string, string> {
  const nodes = new Map<string, string>();
  for (const c of connectors) {
    if (!isUnsteered(c)) nodes.set(c.chargerId!, c.circuitId ?? c.siteId);
  }
  return nodes;
}

/**
 * The site's total power limit as A per phase for each steered charger, counted as if each drew on all three
 * phases (the most a share can load).
 */
function totalSplitA(site: FailSafeSite, unsteered: { amps: readonly number[] }[], chargers: number): number {
  if (site.totalLimitW === undefined) return Infinity;
  const voltage = site.nominalVoltageV ?? DEFAULT_PHASE_VOLTAGE_V;
  const drawnA = [site.baseLoadA ?? [0, 0, 0], ...unsteered.map((load) => load.amps)].reduce(
    (sum, amps) => sum + amps[0] + amps[1] + amps[2],
    0,
  );
  return (site.totalLimitW / voltage - drawnA) / (3 * chargers);
}

/** What the planner reserves for a charger it does not steer, on its most loaded phase. */
function reservedMaximumA(connectors: PlanningConnector[], chargerId: string): number {
  const [load] = excludedChargerLoads(connectors.filter((c) => c.chargerId === chargerId));
  return Math.max(...load.amps);
}
