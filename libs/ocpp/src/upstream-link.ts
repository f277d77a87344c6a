import { RPCClient } from 'ocpp-rpc';

export interface UpstreamRetry {
  /** The first wait before a failed or lost connection is tried again; it doubles with each attempt. */
  minMs: number;
  maxMs: number;
}

export interface UpstreamLinkHooks {
  /** Run before each connection attempt (reads the password, which may have changed); a failure fails it. */
  prepare(): Promise<void>;
  /** The connection opened: on the first connection and on every reconnection. */
  opened(): void;
  /** An open connection was lost; ocpp-rpc reconnects it. */
  disconnected(): void;
  /** A connection attempt failed, or the connection was lost for good: `retryInMs` until the next. */
  failed(error: unknown, retryInMs: number): void;
}

/**
 * One charger connection's connection to its upstream central system, and whether messages of the charger may
 * wait in the outbox. It is opened at once and tried again with capped exponential backoff while the charger
 * stays connected: ocpp-rpc itself reconnects a connection that was open; a first connection that fails, which
 * ocpp-rpc does not retry, and one ocpp-rpc gave up on are retried here. Closed with the charger's connection.
 */
export class UpstreamLink {
  /**
   * The first connection attempt, settled either way, and when it opened the first replay of the outbox, for at
   * most `readyTimeoutMs`: the charger's first messages wait for it, so that they reach the upstream directly
   * when nothing waits before them.
   */
  readonly ready: Promise<void>;
  private markReplayed!: () => void;
  private readonly replayedOnce = new Promise<void>((resolve) => (this.markReplayed = resolve));
  private closed = false;
  private connecting = false;
  private attempt = 0;
  private retryTimer?: NodeJS.Timeout;
  /**
   * Whether messages may wait in the outbox: true until a replay found it empty, and again from the moment
   * one is appended. Live forwarding of queued kinds waits until it is false, so that order is kept.
   */
  private backlog = true;
  /**
   * The upstream did not accept the charger's BootNotification presented when this connection opened: until it
   * does, the charger is answered locally and its outbox kept (a strict central system refuses the rest).
   */
  private refused = false;
  /** How many times the connection opened: after the first, an opening is a reconnection. */
  private openings = 0;
  private appends: Promise<unknown> = Promise.resolve();
  private appending = 0;
  private appended = 0;

  constructor(
    readonly client: RPCClient,
    private readonly retry: UpstreamRetry,
    private readonly hooks: UpstreamLinkHooks,
    readyTimeoutMs: number,
  ) {
    client.on('open', () => {
      this.attempt = 0;
      this.openings++;
      hooks.opened();
    });
    client.on('disconnect', () => {
      if (!this.closed) hooks.disconnected();
    });
    // Emitted when ocpp-rpc stops reconnecting (and when an attempt of ours fails, which `connect` handles).
    client.on('close', () => {
      if (!this.connecting) this.scheduleRetry(new Error('ocpp-rpc stopped reconnecting'));
    });
    this.ready = this.connect().then(() => (this.isOpen ? this.replayedWithin(readyTimeoutMs) : undefined));
  }

  get isOpen(): boolean {
    return !this.closed && this.client.state === RPCClient.OPEN;
  }

  /** Open, and nothing waits in the outbox: a message may go to the upstream directly. */
  get isLive(): boolean {
    return this.isOpen && !this.backlog && !this.refused;
  }

  /** Open, and the upstream has not refused the charger's Boot: the charger's calls may be forwarded. */
  get isAccepting(): boolean {
    return this.isOpen && !this.refused;
  }

  /** The current connection is a reconnection of one that was open before. */
  get reopened(): boolean {
    return this.openings > 1;
  }

  /** The upstream refused the charger's Boot: the charger's first messages need not wait for a replay. */
  refuse(): void {
    this.refused = true;
    this.markReplayed();
  }

  /** The upstream accepted the charger's Boot. */
  accept(): void {
    this.refused = false;
  }

  /** Appends run one after the other, in the order asked; from now on nothing goes live until a replay. */
  enqueue(append: () => Promise<void>): Promise<void> {
    this.backlog = true;
    this.appended++;
    this.appending++;
    const done = this.appends.then(append).finally(() => this.appending--);
    this.appends = done.catch(() => undefined);
    return done;
  }

  /** Taken before reading the outbox: with it, `settle` tells whether the read may have missed an append. */
  appendMark(): number | null {
    return this.appending === 0 ? this.appended : null;
  }

  /** The outbox read empty after `mark`: live forwarding resumes unless an append started since. */
  settle(mark: number | null): boolean {
    if (mark === null || mark !== this.appended) return false;
    this.backlog = false;
    this.markReplayed();
    return true;
  }

  /** Resolves once the appends asked so far have settled. */
  async appendsSettled(): Promise<void> {
    await this.appends;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.client.close({ force: true }).catch(() => undefined);
  }

  private async replayedWithin(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([this.replayedOnce, timeout]);
    clearTimeout(timer);
  }

  private async connect(): Promise<void> {
    this.connecting = true;
    try {
      await this.hooks.prepare();
      if (!this.closed) await this.client.connect();
    } catch (error) {
      this.scheduleRetry(error);
    } finally {
      this.connecting = false;
    }
  }

  private scheduleRetry(error: unknown): void {
    if (this.closed) return;
    const delayMs = Math.min(this.retry.maxMs, this.retry.minMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    this.hooks.failed(error, delayMs);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), delayMs);
    this.retryTimer.unref();
  }
}
