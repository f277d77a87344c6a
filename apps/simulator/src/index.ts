export * from './dso/simulated-dso';
export * from './charger/simulated-charger';
