export * from './model.js';
export { allocate, connectorWattsPerAmpere } from './allocate.js';
export { wattsPerAmpere, LINE_PAIR_PHASES } from './connection.js';
export { transformerPhasorLimits, PHASOR_POLYGON_SIDES } from './phasor-limits.js';
export { onOffStateAt, type PlannedLimit } from './on-off-state.js';
export { replanSite, type SiteReplan } from './incremental.js';
export { optimizeHorizon } from './horizon.js';
export { DEFAULT_PHASE_VOLTAGE_V } from './capacity-tree.js';
