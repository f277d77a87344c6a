import { Global, Module } from '@nestjs/common';
import { AppConfig, validateEnvironment } from './environment';

/** Injection token of the validated, frozen configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** Provides the validated configuration to every module; invalid values stop the boot. */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(overrides: Record<string, unknown> = {}) {
    const config: AppConfig = validateEnvironment({ ...process.env, ...overrides });
    return {
      module: AppConfigModule,
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}
