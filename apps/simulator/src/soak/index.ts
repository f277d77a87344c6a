export * from './seeded-random';
export * from './soak-scenario';
export * from './soak-dso';
export * from './soak-fleet';
export * from './soak-runner';
