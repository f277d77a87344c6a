import { allocate } from './allocate.js';
import { loadedPhases } from './capacity-tree.js';
import type { AllocationInput, AllocationOptions, AllocationPlan, CapacityNode, PerPhase } from './model.js';

/** A node-phase is full when its load comes this close to its limit. */
const SLACK_A = 1e-9;

export interface SiteReplan {
  plan: AllocationPlan;
  /** 'site' when only the site's subtree was computed, 'all' when the whole input had to be. */
  scope: 'site' | 'all';
}

/**
 * Re-plans after a change confined to one node's subtree (a site's sessions: arrivals, departures,
 * energy, priority), reusing `previous` — the plan of the same connectors, nodes and blocks before
 * the change — for everything else. Exact: the result is what `allocate(input)` returns. The site is
 * computed alone under its ancestors' residual capacity (their limits less the other connectors'
 * load); that equals the full plan when no ancestor bound anyone before and none is full after, since
 * then every other connector's bottleneck lies outside the site and is untouched. Otherwise, or when
 * `previous` does not match the input, or an ancestor has a total power or phasor limit, everything is re-planned. Wiring and limits are assumed
 * unchanged: a configuration change is a full re-plan.
 */
export function replanSite(
  input: AllocationInput,
  previous: AllocationPlan,
  siteId: string,
  options: AllocationOptions = {},
): SiteReplan {
  const full = (): SiteReplan => ({ plan: allocate(input, options), scope: 'all' });
  if (!matches(input, previous)) return full();
  const byId = new Map(input.nodes.map((node) => [node.id, node]));
  const site = byId.get(siteId);
  if (!site) throw new Error(`Unknown site node "${siteId}"`);
  const ancestors = ancestorsOf(site, byId);
  const previousLoads = new Map(previous.nodeLoads.map((load) => [load.nodeId, load]));
  if (ancestors.some((node) => previousLoads.get(node.id)?.bound)) return full();
  // The residual below is per phase; a total power or phasor limit above the site is left to the full plan.
  if (ancestors.some((node) => node.totalLimitW || node.phasorLimits?.length)) return full();

  const subtree = subtreeOf(site, input.nodes);
  const inSite = input.connectors.flatMap((c, i) => (subtree.has(c.nodeId) ? [i] : []));
  const others = ancestors.map((node) => othersLoads(input, previous, node, inSite));
  const residual = ancestors.map((node, k) =>
    node.limitsA.map((limits, b): PerPhase => [
      limits[0] - others[k][b][0],
      limits[1] - others[k][b][1],
      limits[2] - others[k][b][2],
    ]),
  );
  const subPlan = allocate(
    {
      blocks: input.blocks,
      nodes: [
        ...ancestors.map((node, k) => ({ ...node, limitsA: residual[k] })),
        ...input.nodes.filter((node) => subtree.has(node.id)),
      ],
      connectors: inSite.map((i) => input.connectors[i]),
    },
    options,
  );
  if (!fitsUnderAncestors(subPlan, ancestors, residual)) return full();
  return { plan: splice(input, previous, subPlan, inSite, ancestors, others), scope: 'site' };
}

function matches(input: AllocationInput, previous: AllocationPlan): boolean {
  return (
    previous.allocations.length === input.connectors.length &&
    previous.allocations.every((a, i) => a.connectorId === input.connectors[i].id) &&
    previous.allocations.every((a) => a.limitsA.length === input.blocks.length) &&
    previous.nodeLoads.length === input.nodes.length &&
    previous.nodeLoads.every((load, k) => load.nodeId === input.nodes[k].id)
  );
}

/** From the site's parent up to the root. */
function ancestorsOf(site: CapacityNode, byId: ReadonlyMap<string, CapacityNode>): CapacityNode[] {
  const ancestors: CapacityNode[] = [];
  for (let node = site.parentId === null ? undefined : byId.get(site.parentId); node;) {
    ancestors.push(node);
    node = node.parentId === null ? undefined : byId.get(node.parentId);
  }
  return ancestors;
}

function subtreeOf(site: CapacityNode, nodes: readonly CapacityNode[]): Set<string> {
  const subtree = new Set([site.id]);
  for (let grew = true; grew;) {
    grew = false;
    for (const node of nodes) {
      if (node.parentId !== null && subtree.has(node.parentId) && !subtree.has(node.id)) {
        subtree.add(node.id);
        grew = true;
      }
    }
  }
  return subtree;
}

/** What the connectors outside the site drew through the ancestor in the previous plan. */
function othersLoads(
  input: AllocationInput,
  previous: AllocationPlan,
  node: CapacityNode,
  inSite: readonly number[],
): PerPhase[] {
  const loads = previous.nodeLoads[input.nodes.indexOf(node)].loadsA;
  return input.blocks.map((_, b) => {
    const others: [number, number, number] = [loads[b][0], loads[b][1], loads[b][2]];
    for (const i of inSite) {
      for (const phase of loadedPhases(input.connectors[i]))
        others[phase] -= previous.allocations[i].limitsA[b];
    }
    return others;
  });
}

function fitsUnderAncestors(
  subPlan: AllocationPlan,
  ancestors: readonly CapacityNode[],
  residual: PerPhase[][],
): boolean {
  return ancestors.every((node, k) => {
    const load = subPlan.nodeLoads[k];
    return (
      !load.bound &&
      load.loadsA.every((perPhase, b) => perPhase.every((x, p) => x < residual[k][b][p] - SLACK_A))
    );
  });
}

/** The previous plan with the site's connectors and the nodes they load replaced. */
function splice(
  input: AllocationInput,
  previous: AllocationPlan,
  subPlan: AllocationPlan,
  inSite: readonly number[],
  ancestors: readonly CapacityNode[],
  others: PerPhase[][],
): AllocationPlan {
  const allocations = previous.allocations.slice();
  const explanations = previous.explanations.slice();
  inSite.forEach((i, k) => {
    allocations[i] = subPlan.allocations[k];
    explanations[i] = subPlan.explanations[k];
  });
  const subLoads = new Map(subPlan.nodeLoads.map((load) => [load.nodeId, load]));
  const nodeLoads = previous.nodeLoads.map((load, n) => {
    const ancestor = ancestors.indexOf(input.nodes[n]);
    const fresh = subLoads.get(load.nodeId);
    if (ancestor < 0) return fresh ?? load;
    const loadsA = others[ancestor].map((drawn, b): PerPhase => {
      const site = fresh?.loadsA[b] ?? [0, 0, 0];
      return [drawn[0] + site[0], drawn[1] + site[1], drawn[2] + site[2]];
    });
    return { nodeId: load.nodeId, loadsA, bound: false };
  });
  return { allocations, explanations, nodeLoads };
}
