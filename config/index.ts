export * from './defaults';
export * from './environment';
export * from './config.module';
export * from './trusted-proxies';
