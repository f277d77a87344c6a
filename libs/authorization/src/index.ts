export * from './authorization.module';
export * from './authorization.service';
export * from './decide';
export * from './local-auth-list';
