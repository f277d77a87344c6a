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

  it('sends a day-ahead forecast as 24 hourly KW/ALL blocks in its +08:00 local time, leaving gaps', async () => {
    const dso = new SimulatedDso({ baseUrl: fp.url, token: 'tok-123' });
    const capacityKw = Array.from({ length: 24 }, (_, hour) => 100 + hour);

    await dso.sendDayAhead({ groupId: 'g1', capacityKw, skipHours: [3] });

    const body = JSON.parse(fp.received[0].body) as { forecasted_blocks: Record<string, unknown>[] };
    const blocks = body.forecasted_blocks;
    expect(blocks).toHaveLength(23);
    expect(blocks[0]).toMatchObject({ capacity: 100, phase: 'ALL', unit: 'KW' });
    // From the next local midnight, written in local time.
    expect(blocks[0].start_time).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00\+08:00$/);
    expect(blocks[3]).toMatchObject({
      capacity: 104,
      start_time: expect.stringMatching(/T04:00:00\+08:00$/),
    });
    const startMs = Date.parse(blocks[0].start_time as string);
    expect(startMs).toBeGreaterThan(Date.now());
    expect(startMs - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);
  });

  it('sends an emergency block in its local offset', async () => {
    const dso = new SimulatedDso({ baseUrl: fp.url, token: 'tok-123', utcOffset: '-05:00' });

    await dso.sendEmergency({
      groupId: 'g1',
      start: new Date('2026-03-01T10:20:00Z'),
      minutes: 10,
      capacityKw: 2,
    });

    expect(JSON.parse(fp.received[0].body)).toEqual({
      group_id: 'g1',
      type: 'CONSUMPTION',
      forecasted_blocks: [
        {
          capacity: 2,
          phase: 'ALL',
          unit: 'KW',
          start_time: '2026-03-01T05:20:00-05:00',
          end_time: '2026-03-01T05:30:00-05:00',
        },
      ],
    });
  });

  it('sends no heartbeats when it never heartbeats, whatever it is asked', async () => {
    const dso = new SimulatedDso({ baseUrl: fp.url, token: 'tok-123', neverHeartbeats: true });

    dso.startHeartbeats(10);
    await dso.sendCapacityForecast(forecast);

    expect(fp.received.map((r) => r.url)).toEqual(['/oscp/fp/2.0/update_group_capacity_forecast']);
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
