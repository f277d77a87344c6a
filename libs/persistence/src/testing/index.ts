export * from './test-databases';
export * from './private-postgres';
