import type { AddressInfo } from 'node:net';
import { IHandlersOption, RPCServer } from 'ocpp-rpc';
import type RPCServerClient from 'ocpp-rpc/lib/server-client';

export interface UpstreamCsmsOptions {
  /** 0 (default): any free port. */
  port?: number;
  /** Told one line per message received, e.g. `console.log`; silent when not given. */
  log?: (line: string) => void;
}

/** The first transaction id the CSMS gives 1.6 chargers: far from gridflex's own, so that a mix-up shows. */
const FIRST_TRANSACTION_ID = 900_001;
const HEARTBEAT_INTERVAL_S = 300;

type Answer = (params: Record<string, unknown>) => object;

const now = () => new Date().toISOString();
const accepted = { status: 'Accepted' };

/**
 * What a CSMS that accepts every charger and id token answers the charger's messages of `protocol`
 * (`ocpp1.6` unless `ocpp2.0.1`), 1.6 transactions numbered by `nextTransactionId`.
 */
export function upstreamCsmsAnswers(
  protocol: string | undefined,
  nextTransactionId: () => number,
): Record<string, Answer> {
  return answers(nextTransactionId)[protocol === 'ocpp2.0.1' ? 'ocpp2.0.1' : 'ocpp1.6'];
}

/**
 * Answers `client`'s messages as a CSMS that accepts every charger and id token (`upstreamCsmsAnswers`), 1.6
 * transactions numbered from `firstTransactionId`; any other action gets ocpp-rpc's `NotImplemented`.
 */
export function answerAsAcceptingCsms(
  client: RPCServerClient,
  firstTransactionId = FIRST_TRANSACTION_ID,
): void {
  let transactionId = firstTransactionId;
  const table = upstreamCsmsAnswers(client.protocol, () => transactionId++);
  for (const [action, answer] of Object.entries(table)) {
    client.handle(action, ({ params }: IHandlersOption) =>
      Promise.resolve(answer((params ?? {}) as Record<string, unknown>)),
    );
  }
}

/** What the CSMS answers each action, per OCPP version; any other action gets ocpp-rpc's `NotImplemented`. */
function answers(nextTransactionId: () => number): Record<string, Record<string, Answer>> {
  const common: Record<string, Answer> = {
    BootNotification: () => ({ status: 'Accepted', currentTime: now(), interval: HEARTBEAT_INTERVAL_S }),
    Heartbeat: () => ({ currentTime: now() }),
    StatusNotification: () => ({}),
    MeterValues: () => ({}),
  };
  return {
    'ocpp1.6': {
      ...common,
      Authorize: () => ({ idTagInfo: accepted }),
      StartTransaction: () => ({ transactionId: nextTransactionId(), idTagInfo: accepted }),
      StopTransaction: () => ({ idTagInfo: accepted }),
      DataTransfer: () => ({ status: 'UnknownVendorId' }),
    },
    'ocpp2.0.1': {
      ...common,
      Authorize: () => ({ idTokenInfo: accepted }),
      TransactionEvent: (params) => (params.idToken ? { idTokenInfo: accepted } : {}),
      DataTransfer: () => ({ status: 'UnknownVendorId' }),
    },
  };
}

/**
 * A small central system (CSMS) for proxy mode demos and tests, speaking OCPP 1.6J and 2.0.1 on the wire: it
 * accepts every charger and id token, gives 1.6 transactions its own ids, and counts (and optionally logs)
 * what it receives. It is what a CPO's existing CSMS is to gridflex in proxy mode.
 */
export class UpstreamCsms {
  /** Messages received, by action. */
  readonly received = new Map<string, number>();
  /** Identities connected now. */
  readonly connected = new Set<string>();
  private transactionId = FIRST_TRANSACTION_ID;
  private readonly server = new RPCServer({ protocols: ['ocpp1.6', 'ocpp2.0.1'], strictMode: true });
  private readonly log: (line: string) => void;
  private url = '';

  private constructor(options: UpstreamCsmsOptions) {
    this.log = options.log ?? (() => undefined);
    this.server.on('client', (client: RPCServerClient) => this.serve(client));
  }

  static async start(options: UpstreamCsmsOptions = {}): Promise<UpstreamCsms> {
    const csms = new UpstreamCsms(options);
    const http = await csms.server.listen(options.port ?? 0, '127.0.0.1');
    csms.url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/ocpp`;
    return csms;
  }

  /** Where chargers (or gridflex as them) connect, as `<url>/<identity>`. */
  get endpoint(): string {
    return this.url;
  }

  /** The counts as one line, most frequent first, e.g. `MeterValues 40, BootNotification 10`. */
  summary(): string {
    const counts = [...this.received].sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
    return counts.map(([action, count]) => `${action} ${count}`).join(', ') || 'nothing yet';
  }

  async close(): Promise<void> {
    await this.server.close({ force: true });
  }

  private serve(client: RPCServerClient): void {
    const identity = client.identity ?? '';
    const table = upstreamCsmsAnswers(client.protocol, () => this.transactionId++);
    this.connected.add(identity);
    this.log(`upstream: ${identity} connected (${client.protocol})`);
    client.once('close', () => {
      this.connected.delete(identity);
      this.log(`upstream: ${identity} disconnected`);
    });
    for (const [action, answer] of Object.entries(table)) {
      client.handle(action, ({ params }: IHandlersOption) => {
        this.received.set(action, (this.received.get(action) ?? 0) + 1);
        const reply = answer((params ?? {}) as Record<string, unknown>);
        this.log(`upstream: ${action} from ${identity} → ${JSON.stringify(reply)}`);
        return Promise.resolve(reply);
      });
    }
  }
}
