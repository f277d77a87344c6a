export * from './model';
export { allocate, wattsPerAmpere } from './allocate';
export { onOffStateAt, type PlannedLimit } from './on-off-state';
export { replanSite, type SiteReplan } from './incremental';
export { optimizeHorizon } from './horizon';
export { DEFAULT_PHASE_VOLTAGE_V } from './capacity-tree';
