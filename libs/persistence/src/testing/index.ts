export * from './test-databases';
export * from './private-postgres';
export * from './pglite-template';
