import type { IncomingMessage } from 'node:http';
import {
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Express, Response } from 'express';
import {
  APP_CONFIG,
  AppConfig,
  clientAddress,
  compileTrustedProxies,
  TrustedProxies,
} from '@gridflex/config';
import { AuthThrottle } from './auth-throttle';

/**
 * The one throttle of failed authentications of the process (chargers, admin key, OSCP tokens, dashboard
 * sign-in), with `AUTH_*` settings, and the client address it keys on (`TRUST_PROXY`). Express is given the
 * same trusted proxies, so that `request.ip` and `request.secure` (X-Forwarded-Proto, for the dashboard's
 * Secure cookie behind a TLS-terminating proxy) agree with it.
 */
@Injectable()
export class AuthThrottleService implements OnApplicationBootstrap {
  private readonly logger = new Logger('FailedAuthentication');
  private readonly throttle: AuthThrottle;
  private readonly trustedProxies: TrustedProxies;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly adapterHost?: HttpAdapterHost,
  ) {
    this.trustedProxies = compileTrustedProxies(config.TRUST_PROXY);
    this.throttle = new AuthThrottle(
      {
        maxFailures: config.AUTH_MAX_FAILURES,
        windowMs: config.AUTH_FAILURE_WINDOW_S * 1000,
        maxBlockMs: config.AUTH_MAX_BLOCK_S * 1000,
      },
      (line) => this.logger.warn(line),
    );
  }

  onApplicationBootstrap(): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (adapter?.getType() === 'express') {
      adapter.getInstance<Express>().set('trust proxy', this.trustedProxies);
    }
  }

  /** The client's address: X-Forwarded-For is believed only from `TRUST_PROXY`. */
  addressOf(request: IncomingMessage): string {
    return clientAddress(request, this.trustedProxies);
  }

  retryAfterS(key: string): number | undefined {
    return this.throttle.retryAfterS(key);
  }

  recordFailure(key: string, what: string, maxFailures?: number): void {
    this.throttle.recordFailure(key, what, maxFailures);
  }

  recordSuccess(key: string): void {
    this.throttle.recordSuccess(key);
  }

  /** @throws HttpException 429, with Retry-After set on `response`, while `key` is blocked */
  assertNotBlocked(key: string, response: Response): void {
    const retryAfterS = this.throttle.retryAfterS(key);
    if (retryAfterS === undefined) return;
    response.setHeader('Retry-After', String(retryAfterS));
    throw new HttpException(
      `Too many failed authentications: retry in ${retryAfterS} s`,
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/** Throttle key of admin-key guesses from an address, wherever the key is presented. */
export function adminKeyThrottleKey(address: string): string {
  return `admin key from ${address}`;
}
