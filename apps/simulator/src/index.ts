export * from './dso/simulated-dso';
export * from './charger/simulated-charger';
export * from './safety';
export * from './soak';
export * from './upstream/upstream-csms';
export { AdminClient } from './demo/admin-client';
export { DEMO_SITES, DemoFleet } from './demo/demo-fleet';
export { upstreamProgress } from './demo/progress';
