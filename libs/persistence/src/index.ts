export * from './database';
export * from './persistence.module';
export * as schema from './schema';
export type { PlannedPeriod } from './schema';
