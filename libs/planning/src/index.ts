export * from './forecast-capacity';
export * from './group-capacity.service';
export * from './plan-builder';
export * from './plan.controller';
export * from './planning.module';
export * from './planning.service';
export * from './simulation.service';
export * from './events';
