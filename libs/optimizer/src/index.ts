export * from './model';
export { allocateEqualShare } from './equal-share';
export { allocate, wattsPerAmpere } from './allocate';
export { onOffStateAt, type PlannedLimit } from './on-off-state';
export { replanSite, type SiteReplan } from './incremental';
