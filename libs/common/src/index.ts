export * from './admin-api-key';
export * from './admin-api-key.guard';
export * from './common.module';
export * from './secrets';
export * from './validation';
