/**
 * A DSO acting as OSCP 2.0 Capacity Provider. It speaks only the wire protocol, so that it tests
 * the controller the way a real DSO would; field values are sent verbatim, invalid ones included.
 */

export interface SimulatedDsoOptions {
  /** The Flexibility Provider's OSCP base URL, e.g. `http://127.0.0.1:3000/oscp/fp/2.0`. */
  baseUrl: string;
  /** The token the FP expects in `Authorization: Token <token>`. */
  token: string;
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
}

export interface OscpReply {
  status: number;
  /** Parsed JSON when the reply is JSON, its text otherwise, `undefined` when empty (204). */
  body: unknown;
  /** The `X-Request-ID` the message was sent with. */
  requestId: string;
}

export class SimulatedDso {
  private readonly baseUrl: string;

  constructor(private readonly options: SimulatedDsoOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
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

  private async post(path: string, body: unknown, options: SimulatedRequestOptions): Promise<OscpReply> {
    const requestId = options.requestId ?? crypto.randomUUID();
    const headers = new Headers({
      'Content-Type': 'application/json',
      Authorization: `Token ${this.options.token}`,
      'X-Request-ID': requestId,
    });
    for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
    const response = await fetch(`${this.baseUrl}/${path}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await readBody(response), requestId };
  }
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  const isJson = response.headers.get('content-type')?.includes('json') ?? false;
  return isJson ? (JSON.parse(text) as unknown) : text;
}
