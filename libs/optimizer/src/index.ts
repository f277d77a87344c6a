export * from './model.js';
export { allocate, wattsPerAmpere } from './allocate.js';
export { onOffStateAt, type PlannedLimit } from './on-off-state.js';
export { replanSite, type SiteReplan } from './incremental.js';
export { optimizeHorizon, horizonStageLp } from './horizon.js';
export type { HorizonStage, HorizonStageLp } from './horizon-lp.js';
export { BoundedSimplex, type LpColumn } from './bounded-simplex.js';
export { DEFAULT_PHASE_VOLTAGE_V } from './capacity-tree.js';
