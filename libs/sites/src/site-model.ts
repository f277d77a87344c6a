import type { schema } from '@gridflex/persistence';

type GridPhase = schema.GridPhase;

export type PhaseAmps = readonly [number, number, number];

export const GRID_PHASES: readonly GridPhase[] = ['L1', 'L2', 'L3'];

/** The electrical model of a site as validation sees it, whatever it was read from (database, import). */
export interface SiteModel {
  gridLimitA: PhaseAmps;
  circuits: { id: string; name: string; parentId: string | null; limitA: PhaseAmps }[];
  chargers: {
    identity: string;
    circuitId: string | null;
    maxCurrentA: number | null;
    phaseRotation: readonly string[];
    connectors: {
      connectorId: number;
      maxCurrentA: number;
      minCurrentA: number;
      phases?: number;
      lineToLine?: string | null;
    }[];
  }[];
}

/** `errors` make the model unusable and are refused; `warnings` are allowed but shown (e.g. a child above its parent). */
export interface ModelFindings {
  errors: string[];
  warnings: string[];
}

export class InvalidSiteModelError extends Error {
  constructor(readonly errors: string[]) {
    super(`Invalid site model: ${errors.join('; ')}`);
  }
}

export const unknownParentMessage = (circuitName: string, parentId: string) =>
  `circuit "${circuitName}" has an unknown parent circuit ${parentId}`;

export const unknownCircuitMessage = (identity: string, circuitId: string) =>
  `charger "${identity}" is placed on an unknown circuit ${circuitId}`;

export function isPhaseRotation(value: readonly unknown[]): boolean {
  return value.length === 3 && GRID_PHASES.every((phase) => value.includes(phase));
}

export function validateSiteModel(model: SiteModel): ModelFindings {
  const findings: ModelFindings = { errors: [], warnings: [] };
  const circuitsById = new Map(model.circuits.map((c) => [c.id, c]));
  checkCircuitTree(model, circuitsById, findings);
  for (const charger of model.chargers) checkCharger(charger, circuitsById, model.gridLimitA, findings);
  return findings;
}

/** Throws `InvalidSiteModelError` when the model has errors; returns its warnings otherwise. */
export function assertValidSiteModel(model: SiteModel): string[] {
  const { errors, warnings } = validateSiteModel(model);
  if (errors.length > 0) throw new InvalidSiteModelError(errors);
  return warnings;
}

type CircuitsById = ReadonlyMap<string, SiteModel['circuits'][number]>;

function checkCircuitTree(model: SiteModel, byId: CircuitsById, findings: ModelFindings): void {
  const reportedCycles = new Set<string>();
  for (const circuit of model.circuits) {
    if (circuit.parentId !== null && !byId.has(circuit.parentId)) {
      findings.errors.push(unknownParentMessage(circuit.name, circuit.parentId));
      continue;
    }
    const cycle = cycleFrom(circuit.id, byId);
    if (cycle) {
      const key = [...cycle].sort().join();
      if (!reportedCycles.has(key)) {
        reportedCycles.add(key);
        const names = [...cycle, cycle[0]].map((id) => `"${byId.get(id)?.name}"`);
        findings.errors.push(`circuits form a cycle: ${names.join(' -> ')}`);
      }
      continue;
    }
    const parent = circuit.parentId === null ? undefined : byId.get(circuit.parentId);
    const [parentName, parentLimit] = parent
      ? [`its parent circuit "${parent.name}"`, parent.limitA]
      : ['the grid connection', model.gridLimitA];
    warnAbove(`circuit "${circuit.name}"`, circuit.limitA, parentName, parentLimit, findings);
  }
}

/** The circuits of the cycle reachable from `id`, or undefined when its ancestry ends at the site. */
function cycleFrom(id: string, byId: CircuitsById): string[] | undefined {
  const path: string[] = [];
  for (let current = byId.get(id); current; current = byId.get(current.parentId ?? '')) {
    const seenAt = path.indexOf(current.id);
    if (seenAt >= 0) return path.slice(seenAt);
    path.push(current.id);
    if (current.parentId === null) return undefined;
  }
  return undefined;
}

function checkCharger(
  charger: SiteModel['chargers'][number],
  byId: CircuitsById,
  gridLimitA: PhaseAmps,
  findings: ModelFindings,
): void {
  const name = `charger "${charger.identity}"`;
  if (!isPhaseRotation(charger.phaseRotation)) {
    findings.errors.push(
      `${name}: phaseRotation must be a permutation of L1, L2, L3 (got ${charger.phaseRotation.join(', ')})`,
    );
  }
  const circuit = charger.circuitId === null ? undefined : byId.get(charger.circuitId);
  if (charger.circuitId !== null && !circuit) {
    findings.errors.push(unknownCircuitMessage(charger.identity, charger.circuitId));
  }
  const [feederName, feederLimit] = circuit
    ? [`its circuit "${circuit.name}"`, circuit.limitA]
    : ['the grid connection', gridLimitA];
  if (charger.maxCurrentA !== null) {
    const max = charger.maxCurrentA;
    warnAbove(name, [max, max, max], feederName, feederLimit, findings);
  }
  for (const connector of charger.connectors) {
    const connectorName = `${name} connector ${connector.connectorId}`;
    if (connector.lineToLine != null && connector.phases !== 2) {
      findings.errors.push(
        `${connectorName}: lineToLine ${connector.lineToLine} needs phases 2 (got ${connector.phases})`,
      );
    }
    if (connector.minCurrentA > connector.maxCurrentA) {
      findings.errors.push(
        `${connectorName}: minCurrentA ${connector.minCurrentA} is above maxCurrentA ${connector.maxCurrentA}`,
      );
    }
    if (charger.maxCurrentA !== null && connector.minCurrentA > charger.maxCurrentA) {
      findings.errors.push(
        `${connectorName}: minCurrentA ${connector.minCurrentA} is above the charger's maxCurrentA ${charger.maxCurrentA}`,
      );
    }
    if (charger.maxCurrentA !== null && connector.maxCurrentA > charger.maxCurrentA) {
      findings.warnings.push(
        `${connectorName}: maxCurrentA ${connector.maxCurrentA} A is above the charger's ${charger.maxCurrentA} A`,
      );
    }
  }
}

function warnAbove(
  child: string,
  childLimit: PhaseAmps,
  parent: string,
  parentLimit: PhaseAmps,
  findings: ModelFindings,
): void {
  GRID_PHASES.forEach((phase, i) => {
    if (childLimit[i] > parentLimit[i]) {
      findings.warnings.push(
        `${child}: ${phase} limit ${childLimit[i]} A is above ${parent}'s ${parentLimit[i]} A`,
      );
    }
  });
}
