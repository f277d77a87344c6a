import type { Server } from 'node:http';
import { INestApplication } from '@nestjs/common';
import { RPCClient } from 'ocpp-rpc';
import standardValidators from 'ocpp-rpc/lib/standard-validators';
import request from 'supertest';
import type { OcppProtocol } from '../charger-session';

type RpcClientOptions = ConstructorParameters<typeof RPCClient>[0];

/** One message a charger sends in a walk of a handler table, and what its answer must mean. */
export interface WalkStep<State> {
  action: string;
  payload: (state: State) => object;
  /** Checks the answer and may note what later steps need (a transaction id, …). */
  check: (answer: Record<string, unknown>, state: State) => void;
}

/**
 * A charger speaking only `protocol`, in ocpp-rpc's strict mode: what it sends and every answer it gets are
 * validated against the version's JSON schemas (an invalid answer rejects the call).
 */
export async function strictCharger(
  endpoint: string,
  identity: string,
  protocol: OcppProtocol,
): Promise<RPCClient> {
  const client = new RPCClient({
    endpoint,
    identity,
    protocols: [protocol],
    strictMode: true,
    reconnect: false,
  } as RpcClientOptions);
  await client.connect();
  return client;
}

/**
 * Sends each step's message in turn and checks its answer, also against the schema on our own (beside
 * the client's strict mode), so that a lax client could not hide an invalid answer.
 */
export async function walk<State>(
  client: RPCClient,
  protocol: OcppProtocol,
  steps: WalkStep<State>[],
  state: State,
): Promise<void> {
  const validator = standardValidators.find((candidate) => candidate.subprotocol === protocol);
  if (!validator) throw new Error(`ocpp-rpc has no schemas of ${protocol}`);
  for (const step of steps) {
    const answer = (await client.call(step.action, step.payload(state))) as Record<string, unknown>;
    expect(() => validator.validate(`urn:${step.action}.conf`, answer)).not.toThrow();
    step.check(answer, state);
  }
}

/** `GET /api/v1/chargers/{identity}/events` with the admin key. */
export function getChargerEvents(
  app: INestApplication,
  apiKey: string,
  identity: string,
  query: Record<string, string | number> = {},
) {
  return request(app.getHttpServer() as Server)
    .get(`/api/v1/chargers/${encodeURIComponent(identity)}/events`)
    .query(query)
    .set('X-API-Key', apiKey);
}
