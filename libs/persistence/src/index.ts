export * from './database';
export * from './persistence.module';
export * as schema from './schema';
export type { InfeasibleLimitNode, LimitWarningsState, PlannedPeriod } from './schema';
