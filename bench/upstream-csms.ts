/**
 * The upstream central system of `bench:dispatch`'s proxy rows, in a process of its own so that its CPU is
 * neither the controller's nor the chargers': an ocpp-rpc `RPCServer` (strict mode, as a real CSMS validates)
 * that accepts every identity and answers at once what a charger sends. It counts the calls it answers.
 *
 * Run by `UpstreamCsms.start()` (bench/bench-upstream.ts) through `fork`; it tells its port over IPC
 * and answers `{ type: 'counts' }` with the calls received so far, per action.
 */
import type { AddressInfo } from 'node:net';
import { createRPCError, IHandlersOption, RPCServer } from 'ocpp-rpc';
import type RPCServerClient from 'ocpp-rpc/lib/server-client';

/** Boot, Heartbeat, StatusNotification and MeterValues are answered alike in 1.6 and 2.0.1; the rest is 1.6's. */
function answerTo(action: string): object | undefined {
  const now = new Date().toISOString();
  switch (action) {
    case 'BootNotification':
      return { status: 'Accepted', currentTime: now, interval: 300 };
    case 'Heartbeat':
      return { currentTime: now };
    case 'StatusNotification':
    case 'MeterValues':
    case 'TransactionEvent':
      return {};
    case 'Authorize':
      return { idTagInfo: { status: 'Accepted' } };
    case 'StartTransaction':
      return { transactionId: 1, idTagInfo: { status: 'Accepted' } };
    case 'StopTransaction':
      return {};
    default:
      return undefined;
  }
}

const counts: Record<string, number> = {};
let connections = 0;

function answer({ method }: IHandlersOption): Promise<object> {
  const action = method ?? '';
  counts[action] = (counts[action] ?? 0) + 1;
  const reply = answerTo(action);
  if (reply === undefined) throw createRPCError('NotImplemented', `${action} not simulated`) as Error;
  return Promise.resolve(reply);
}

async function main(): Promise<void> {
  const server = new RPCServer({ protocols: ['ocpp1.6', 'ocpp2.0.1'], strictMode: true });
  server.auth((accept) => accept());
  server.on('client', (client: RPCServerClient) => {
    connections++;
    client.handle(answer);
  });
  const http = await server.listen(0, '127.0.0.1');
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'counts') process.send?.({ type: 'counts', counts: { ...counts }, connections });
  });
  process.on('disconnect', () => void server.close({ force: true }).then(() => process.exit(0)));
  process.send?.({ type: 'listening', port: (http.address() as AddressInfo).port });
}

void main();
