import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { APP_CONFIG, AppConfig } from '@gridflex/config';

export const OSCP_FP_PATH = 'oscp/fp/2.0';

/**
 * The base URL we announce to peers in Register: `OSCP_PUBLIC_BASE_URL` when set (behind a proxy, or
 * where a peer wants https without a port), otherwise the address we listen on.
 */
@Injectable()
export class OscpPublicUrl {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly http: HttpAdapterHost,
  ) {}

  baseUrl(): string {
    if (this.config.OSCP_PUBLIC_BASE_URL) return this.config.OSCP_PUBLIC_BASE_URL;
    const server = this.http.httpAdapter.getHttpServer() as Server;
    const { port } = server.address() as AddressInfo;
    const host = ['0.0.0.0', '::'].includes(this.config.HOST) ? '127.0.0.1' : this.config.HOST;
    return `http://${host}:${port}/${OSCP_FP_PATH}`;
  }
}
