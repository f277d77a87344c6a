import type { AddressInfo } from 'node:net';
import { RPCClient, RPCServer } from 'ocpp-rpc';
import { UpstreamLink, UpstreamLinkHooks } from './upstream-link';

/** A real OCPP-J server on a port of its own, which can be stopped and started again on it. */
class Upstream {
  connections = 0;
  private server?: RPCServer;
  private port = 0;

  get endpoint(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = new RPCServer({ protocols: ['ocpp1.6'] });
    server.on('client', () => this.connections++);
    const http = await server.listen(this.port, '127.0.0.1');
    this.port = (http.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    await this.server?.close({ force: true });
  }
}

function recordingHooks() {
  const events: string[] = [];
  const delays: number[] = [];
  const hooks: UpstreamLinkHooks = {
    prepare: () => Promise.resolve(),
    opened: () => events.push('opened'),
    disconnected: () => events.push('disconnected'),
    failed: (_error, retryInMs) => {
      events.push('failed');
      delays.push(retryInMs);
    },
  };
  return { events, delays, hooks };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(condition()).toBe(true);
}

describe('UpstreamLink', () => {
  const upstream = new Upstream();
  const links: UpstreamLink[] = [];

  beforeAll(async () => {
    await upstream.start();
    await upstream.stop();
  });
  afterEach(() => links.splice(0).forEach((link) => link.close()));
  afterAll(() => upstream.stop());

  const open = (hooks: UpstreamLinkHooks, maxMs = 80) => {
    const client = new RPCClient({
      endpoint: upstream.endpoint,
      identity: 'CP-LINK',
      protocols: ['ocpp1.6'],
      backoff: { initialDelay: 10, maxDelay: maxMs, factor: 2, randomisationFactor: 0 },
    } as ConstructorParameters<typeof RPCClient>[0]);
    const link = new UpstreamLink(client, { minMs: 10, maxMs }, hooks, 1000);
    links.push(link);
    return link;
  };

  it('tries a failed first connection again with doubling waits up to the cap, then reconnects a lost one', async () => {
    const { events, delays, hooks } = recordingHooks();
    const link = open(hooks);
    await link.ready;
    expect(link.isOpen).toBe(false);
    await until(() => delays.length >= 5);
    expect(delays.slice(0, 5)).toEqual([10, 20, 40, 80, 80]);

    await upstream.start();
    await until(() => link.isOpen);
    expect(events.at(-1)).toBe('opened');

    await upstream.stop();
    await until(() => events.includes('disconnected'));
    await upstream.start();
    await until(() => link.isOpen);
    expect(events.filter((event) => event === 'opened')).toHaveLength(2);
    expect(link.reopened).toBe(true);
    await upstream.stop();
  });

  it('holds the charger’s messages while the upstream refuses its Boot, releasing the first ones at once', async () => {
    await upstream.start();
    const { hooks } = recordingHooks();
    const link = open(hooks);
    await until(() => link.isOpen);
    expect(link.reopened).toBe(false);
    link.refuse();
    // The first messages need not wait for a replay that will not come before the Boot is accepted.
    await link.ready;
    expect(link.settle(link.appendMark())).toBe(true);
    expect([link.isAccepting, link.isLive]).toEqual([false, false]);
    link.accept();
    expect([link.isAccepting, link.isLive]).toEqual([true, true]);
    await upstream.stop();
  });

  it('is not live until a replay found the outbox empty, and not again once something is appended', async () => {
    await upstream.start();
    const { hooks } = recordingHooks();
    const link = open(hooks);
    await until(() => link.isOpen);
    expect(link.isLive).toBe(false);
    expect(link.settle(link.appendMark())).toBe(true);
    expect(link.isLive).toBe(true);

    let finishAppend: (() => void) | undefined;
    const appended = link.enqueue(() => new Promise<void>((resolve) => (finishAppend = resolve)));
    expect(link.isLive).toBe(false);
    // A read of the outbox while an append is in flight may have missed it.
    expect(link.settle(link.appendMark())).toBe(false);
    await until(() => finishAppend !== undefined);
    finishAppend!();
    await appended;
    const mark = link.appendMark();
    await link.enqueue(() => Promise.resolve());
    // Something was appended after the mark: the outbox must be read again.
    expect(link.settle(mark)).toBe(false);
    expect(link.settle(link.appendMark())).toBe(true);
    await upstream.stop();
  });

  it('runs appends in the order asked, a failed one not stopping the next', async () => {
    const { hooks } = recordingHooks();
    const link = open(hooks);
    const order: number[] = [];
    const slow = link.enqueue(async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      order.push(1);
    });
    const failing = link.enqueue(() => Promise.reject(new Error('database down')));
    const last = link.enqueue(() => Promise.resolve(void order.push(3)));
    await expect(failing).rejects.toThrow('database down');
    await Promise.all([slow, last]);
    expect(order).toEqual([1, 3]);
  });

  it('stops trying once closed', async () => {
    const { delays, hooks } = recordingHooks();
    const link = open(hooks);
    await link.ready;
    link.close();
    const tried = delays.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(delays.length).toBe(tried);
  });
});
