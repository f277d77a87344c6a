import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SimulatedDsoOptions {
  /** The Flexibility Provider's OSCP base URL, e.g. `http://127.0.0.1:3000/oscp/fp/2.0`. */
  baseUrl: string;
  /** The token the FP expects in `Authorization: Token <token>`; replaced when the FP registers back. */
  token: string;
  /** The token the FP must present to us; replaced by a fresh one at each Register we send. */
  issuedToken?: string;
  /** Like many real DSOs: `startHeartbeats` sends nothing, whatever the handshake asked. */
  neverHeartbeats?: boolean;
  /** The DSO's local offset, in which `sendDayAhead` and `sendEmergency` write times; default `+08:00`. */
  utcOffset?: string;
}

/** A day-ahead forecast: 24 hourly `KW`/`ALL` blocks from `from`, in the DSO's local offset. */
export interface SimulatedDayAhead {
  groupId: string;
  /** The first hour; default the next local midnight. */
  from?: Date;
  /** kW per hour of the day (index 0 to 23), or one value for all. */
  capacityKw: number | number[];
  /** Hours (0 to 23) left out, as gaps. */
  skipHours?: number[];
  /** Default `CONSUMPTION`. */
  type?: string;
}

/** A short-notice emergency block (`KW`/`ALL`), e.g. ten minutes inside a day-ahead hour. */
export interface SimulatedEmergency {
  groupId: string;
  start: Date;
  minutes: number;
  capacityKw: number;
}

export interface SimulatedForecastBlock {
  capacity: number;
  phase: string;
  unit: string;
  start_time: string;
  end_time: string;
}

export interface SimulatedCapacityForecast {
  groupId: string;
  type: string;
  blocks: SimulatedForecastBlock[];
}

export interface SimulatedRequestOptions {
  /** Defaults to a fresh UUID. */
  requestId?: string;
  /** Extra headers; they replace the defaults of the same name (e.g. `Authorization`). */
  headers?: Record<string, string>;
  method?: 'POST' | 'PUT' | 'DELETE';
}

export interface OscpReply {
  status: number;
  /** Parsed JSON when the reply is JSON, its text otherwise, `undefined` when empty (204). */
  body: unknown;
  /** The `X-Request-ID` the message was sent with. */
  requestId: string;
}

/** A message the FP sent us, as received. */
export interface ReceivedOscpMessage {
  method: string;
  /** The path below our base URL, e.g. `heartbeat`. */
  path: string;
  authorization: string | undefined;
  requestId: string | undefined;
  correlationId: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** The status we answered. */
  status: number;
  at: Date;
}

const CP_PATH = '/oscp/cp/2.0';

/**
 * A DSO acting as OSCP 2.0 Capacity Provider (reference §4.1). It speaks only the wire protocol, so
 * that it tests the controller the way a real DSO would; field values are sent verbatim, invalid
 * ones included. With `listen()` it also receives the FP's messages over HTTP on 127.0.0.1.
 */
export class SimulatedDso {
  private readonly baseUrl: string;
  /** Every message the FP sent us, in order of arrival. */
  readonly received: ReceivedOscpMessage[] = [];
  private token: string;
  private issuedToken: string;
  private fpBaseUrl: string;
  private server?: Server;
  private ownUrl?: string;
  private awaitingRegisterReply = false;
  private readonly injected: { status: number; body?: string }[] = [];
  private heartbeatTimer?: NodeJS.Timeout;

  constructor(private readonly options: SimulatedDsoOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fpBaseUrl = this.baseUrl;
    this.token = options.token;
    this.issuedToken = options.issuedToken ?? freshToken();
  }

  /** Our own base URL, once listening. */
  get url(): string {
    if (!this.ownUrl) throw new Error('SimulatedDso is not listening: call listen() first');
    return this.ownUrl;
  }

  /** The token the FP must present to us now. */
  get expectedToken(): string {
    return this.issuedToken;
  }

  /** The token we present to the FP now. */
  get currentToken(): string {
    return this.token;
  }

  /** The FP base URL it announced in its Register (or the configured one). */
  get flexibilityProviderUrl(): string {
    return this.fpBaseUrl;
  }

  async listen(): Promise<string> {
    const server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.ownUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${CP_PATH}`;
    return this.ownUrl;
  }

  async close(): Promise<void> {
    this.stopHeartbeats();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
  }

  /** The next `count` messages from the FP are answered with `status` (and `body`) instead of 204. */
  failNext(status: number, count = 1, body?: string): void {
    for (let i = 0; i < count; i++) this.injected.push({ status, body });
  }

  /** Registers first, with the token the FP gave us out of band; the FP's Register back completes it. */
  register(options: SimulatedRequestOptions & { versions?: string[] } = {}): Promise<OscpReply> {
    this.awaitingRegisterReply = true;
    this.issuedToken = freshToken();
    const versions = options.versions ?? ['2.0'];
    return this.post(
      'register',
      { token: this.issuedToken, version_url: versions.map((version) => ({ version, base_url: this.url })) },
      options,
    );
  }

  handshake(
    behaviour: { heartbeat_interval?: number; measurement_configuration?: string[] } | undefined,
    options: SimulatedRequestOptions = {},
  ): Promise<OscpReply> {
    const body =
      behaviour === undefined ? {} : { required_behaviour: { measurement_configuration: [], ...behaviour } };
    return this.post('handshake', body, options);
  }

  heartbeat(offlineModeAt: Date | string, options: SimulatedRequestOptions = {}): Promise<OscpReply> {
    const value = typeof offlineModeAt === 'string' ? offlineModeAt : offlineModeAt.toISOString();
    return this.post('heartbeat', { offline_mode_at: value }, options);
  }

  /** Heartbeats every `intervalMs`, each promising the next within `marginIntervals` intervals. */
  startHeartbeats(intervalMs: number, marginIntervals = 2): void {
    this.stopHeartbeats();
    if (this.options.neverHeartbeats) return;
    const beat = () =>
      void this.heartbeat(new Date(Date.now() + marginIntervals * intervalMs)).catch(() => {});
    beat();
    this.heartbeatTimer = setInterval(beat, intervalMs);
  }

  /** Goes silent: no more heartbeats. */
  stopHeartbeats(): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  sendCapacityForecast(
    forecast: SimulatedCapacityForecast,
    options: SimulatedRequestOptions = {},
  ): Promise<OscpReply> {
    return this.post(
      'update_group_capacity_forecast',
      { group_id: forecast.groupId, type: forecast.type, forecasted_blocks: forecast.blocks },
      options,
    );
  }

  sendDayAhead(dayAhead: SimulatedDayAhead, options: SimulatedRequestOptions = {}): Promise<OscpReply> {
    const offset = this.options.utcOffset ?? DEFAULT_UTC_OFFSET;
    const from = dayAhead.from ?? nextLocalMidnight(new Date(), offset);
    const skipped = new Set(dayAhead.skipHours ?? []);
    const blocks = Array.from({ length: HOURS_PER_DAY }, (_, hour) => hour)
      .filter((hour) => !skipped.has(hour))
      .map((hour) => ({
        capacity: Array.isArray(dayAhead.capacityKw) ? dayAhead.capacityKw[hour] : dayAhead.capacityKw,
        phase: 'ALL',
        unit: 'KW',
        start_time: localTime(new Date(from.getTime() + hour * MS_PER_HOUR), offset),
        end_time: localTime(new Date(from.getTime() + (hour + 1) * MS_PER_HOUR), offset),
      }));
    return this.sendCapacityForecast(
      { groupId: dayAhead.groupId, type: dayAhead.type ?? 'CONSUMPTION', blocks },
      options,
    );
  }

  sendEmergency(emergency: SimulatedEmergency, options: SimulatedRequestOptions = {}): Promise<OscpReply> {
    const offset = this.options.utcOffset ?? DEFAULT_UTC_OFFSET;
    const end = new Date(emergency.start.getTime() + emergency.minutes * 60_000);
    const block = {
      capacity: emergency.capacityKw,
      phase: 'ALL',
      unit: 'KW',
      start_time: localTime(emergency.start, offset),
      end_time: localTime(end, offset),
    };
    return this.sendCapacityForecast(
      { groupId: emergency.groupId, type: 'CONSUMPTION', blocks: [block] },
      options,
    );
  }

  /**
   * The forecast paged into `count` messages (`X-Segment-Index/Count`, index from 1), its blocks
   * split evenly; sent in `order` (1-based indexes, default ascending).
   */
  async sendSegmentedCapacityForecast(
    forecast: SimulatedCapacityForecast,
    count: number,
    order: number[] = Array.from({ length: count }, (_, i) => i + 1),
  ): Promise<OscpReply[]> {
    const edge = (index: number) => Math.floor((index * forecast.blocks.length) / count);
    const replies: OscpReply[] = [];
    for (const index of order) {
      const blocks = forecast.blocks.slice(edge(index - 1), edge(index));
      const headers = { 'X-Segment-Index': String(index), 'X-Segment-Count': String(count) };
      replies.push(await this.sendCapacityForecast({ ...forecast, blocks }, { headers }));
    }
    return replies;
  }

  /** Any body to any FP path, e.g. invalid messages. */
  send(path: string, body: unknown, options: SimulatedRequestOptions = {}): Promise<OscpReply> {
    return this.post(path, body, options);
  }

  /** Resolves with the first received message on `path` that matches, waiting up to `timeoutMs`. */
  async waitFor(
    path: string,
    matches: (message: ReceivedOscpMessage) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<ReceivedOscpMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find((m) => m.path === path && matches(m));
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`SimulatedDso: no ${path} message received in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async post(path: string, body: unknown, options: SimulatedRequestOptions): Promise<OscpReply> {
    const requestId = options.requestId ?? randomUUID();
    const headers = new Headers({
      'Content-Type': 'application/json',
      Authorization: `Token ${this.token}`,
      'X-Request-ID': requestId,
    });
    for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
    const response = await fetch(`${this.fpBaseUrl}/${path}`, {
      method: options.method ?? 'POST',
      headers,
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await readBody(response), requestId };
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const text = await readRequest(request);
    const path = (request.url ?? '').replace(`${CP_PATH}/`, '');
    const authorization = request.headers.authorization;
    const body = parseJson(text);
    const injected = this.injected.shift();
    const status = injected?.status ?? this.statusFor(authorization, request.headers['x-request-id']);
    this.received.push({
      method: request.method ?? '',
      path,
      authorization,
      requestId: header(request, 'x-request-id'),
      correlationId: header(request, 'x-correlation-id'),
      headers: request.headers,
      body,
      status,
      at: new Date(),
    });
    if (status !== 204) {
      response.writeHead(status, { 'Content-Type': 'application/json' });
      response.end(injected?.body ?? JSON.stringify({ message: `Refused with ${status}` }));
      return;
    }
    response.writeHead(204).end();
    if (path === 'register' && request.method === 'POST')
      this.onRegister(body, header(request, 'x-request-id'));
  }

  private statusFor(authorization: string | undefined, requestId: string | string[] | undefined): number {
    if (!authorization) return 401;
    if (authorization !== `Token ${this.issuedToken}`) return 403;
    return requestId ? 204 : 400;
  }

  /** The FP's Register: take its token; when it registered first, register back with a fresh token. */
  private onRegister(body: unknown, requestId: string | undefined): void {
    const register = body as { token: string; version_url: { version: string; base_url: string }[] };
    this.token = register.token;
    this.fpBaseUrl = register.version_url.find((v) => v.version === '2.0')?.base_url ?? this.fpBaseUrl;
    if (this.awaitingRegisterReply) {
      this.awaitingRegisterReply = false;
      return;
    }
    this.issuedToken = freshToken();
    const reply = { token: this.issuedToken, version_url: [{ version: '2.0', base_url: this.url }] };
    // After our 204, as the FP does.
    setImmediate(
      () =>
        void this.post('register', reply, {
          headers: requestId ? { 'X-Correlation-ID': requestId } : {},
        }).catch(() => {}),
    );
  }
}

const DEFAULT_UTC_OFFSET = '+08:00';
const HOURS_PER_DAY = 24;
const MS_PER_HOUR = 3_600_000;

function offsetMs(offset: string): number {
  const match = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  if (!match) throw new Error(`SimulatedDso: utcOffset must look like +08:00, got ${JSON.stringify(offset)}`);
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) * 60_000;
}

/** RFC 3339 in the DSO's local offset, without milliseconds, as such DSOs write it. */
function localTime(instant: Date, offset: string): string {
  const local = new Date(instant.getTime() + offsetMs(offset)).toISOString().slice(0, 19);
  return `${local}${offset}`;
}

function nextLocalMidnight(now: Date, offset: string): Date {
  const local = now.getTime() + offsetMs(offset);
  const day = 24 * MS_PER_HOUR;
  return new Date(Math.floor(local / day + 1) * day - offsetMs(offset));
}

function freshToken(): string {
  return randomBytes(24).toString('base64url');
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function readRequest(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  const isJson = response.headers.get('content-type')?.includes('json') ?? false;
  return isJson ? (JSON.parse(text) as unknown) : text;
}
