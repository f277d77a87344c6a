import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { SimulatedDso } from './simulated-dso';

interface Received {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Reply {
  status: number;
  contentType?: string;
  body?: string;
}

/** A bare HTTP server standing in for the Flexibility Provider: records requests, replies as told. */
async function startFakeFp(): Promise<{
  url: string;
  received: Received[];
  reply: (r: Reply) => void;
  close: () => Promise<void>;
}> {
  const received: Received[] = [];
  let next: Reply = { status: 204 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      if (next.contentType) res.setHeader('Content-Type', next.contentType);
      res.writeHead(next.status).end(next.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/oscp/fp/2.0`,
    received,
    reply: (r) => {
      next = r;
    },
    close: () =>
      new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

const forecast = {
  groupId: 'g1',
  type: 'CONSUMPTION',
  blocks: [
    {
      capacity: 16,
      phase: 'ALL',
      unit: 'A',
      start_time: '2025-06-01T10:00:00Z',
      end_time: '2025-06-01T11:00:00Z',
    },
  ],
};

describe(SimulatedDso.name, () => {
  let fp: Awaited<ReturnType<typeof startFakeFp>>;

  beforeAll(async () => {
    fp = await startFakeFp();
  });

  afterAll(async () => {
    await fp.close();
  });

  beforeEach(() => {
    fp.received.length = 0;
    fp.reply({ status: 204 });
  });

  it('POSTs the forecast as OSCP JSON with the token and a fresh X-Request-ID', async () => {
    const dso = new SimulatedDso({ baseUrl: fp.url, token: 'tok-123' });

    const first = await dso.sendCapacityForecast(forecast);
    const second = await dso.sendCapacityForecast(forecast);

    expect(first).toEqual({ status: 204, body: undefined, requestId: expect.any(String) });
    expect(first.requestId).not.toEqual(second.requestId);
    const [request] = fp.received;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/oscp/fp/2.0/update_group_capacity_forecast');
    expect(request.headers).toMatchObject({
      authorization: 'Token tok-123',
      'content-type': 'application/json',
      'x-request-id': first.requestId,
    });
    expect(JSON.parse(request.body)).toEqual({
      group_id: 'g1',
      type: 'CONSUMPTION',
      forecasted_blocks: forecast.blocks,
    });
  });

  it('uses the given request id, replaces headers, and tolerates a trailing slash', async () => {
    const dso = new SimulatedDso({ baseUrl: `${fp.url}/`, token: 'tok-123' });

    const reply = await dso.sendCapacityForecast(forecast, {
      requestId: 'req-7',
      headers: { authorization: 'Bearer other', 'X-Correlation-ID': 'c-1' },
    });

    expect(reply.requestId).toBe('req-7');
    const [request] = fp.received;
    expect(request.url).toBe('/oscp/fp/2.0/update_group_capacity_forecast');
    expect(request.headers).toMatchObject({
      authorization: 'Bearer other',
      'x-request-id': 'req-7',
      'x-correlation-id': 'c-1',
    });
  });

  it('returns a JSON error body parsed, and any other body as text', async () => {
    const dso = new SimulatedDso({ baseUrl: fp.url, token: 'tok-123' });

    fp.reply({ status: 400, contentType: 'application/json; charset=utf-8', body: '{"message":"bad"}' });
    expect(await dso.sendCapacityForecast(forecast)).toMatchObject({ status: 400, body: { message: 'bad' } });

    fp.reply({ status: 502, contentType: 'text/plain', body: 'Bad Gateway' });
    expect(await dso.sendCapacityForecast(forecast)).toMatchObject({ status: 502, body: 'Bad Gateway' });
  });
});
