export * from './model.js';
export { allocate, wattsPerAmpere } from './allocate.js';
export { onOffStateAt, type PlannedLimit } from './on-off-state.js';
export { replanSite, type SiteReplan } from './incremental.js';
export { optimizeHorizon } from './horizon.js';
export { DEFAULT_PHASE_VOLTAGE_V } from './capacity-tree.js';
