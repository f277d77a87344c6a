export * from './dso/simulated-dso';
export * from './charger/simulated-charger';
export * from './safety';
export * from './soak';
