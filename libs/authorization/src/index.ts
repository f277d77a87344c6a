export * from './authorization.module';
export * from './authorization.service';
export * from './decide';
export * from './local-auth-list';
export { LOCAL_AUTH_LISTS_QUEUE } from './local-auth-list.processor';
