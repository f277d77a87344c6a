import { setTimeout as sleep } from 'node:timers/promises';

export interface SendOptions {
  signal: AbortSignal;
  callTimeoutMs: number;
}

/** The charger booted before answering: the call was abandoned, unanswered. */
export class CallAbandonedError extends Error {
  override readonly name = 'CallAbandonedError';
}

/** The calls of one connection from one Boot of the charger (or from the connect) to the next. */
interface Epoch {
  readonly abandon: AbortController;
  /** Its Boot was accepted: calls wait the full timeout. */
  booted: boolean;
  readonly protected: Gate;
}

interface Gate {
  readonly promise: Promise<void>;
  open(): void;
}

/**
 * One charger connection's calls and where the charger is in its boot. OCPP (1.6 §4.2, 2.0.1 B01–B03): a
 * charger that has just started answers nothing until its BootNotification is accepted, so what was asked
 * before a Boot is abandoned when it comes — its in-flight call aborted, the calls queued behind it never
 * sent — and the charger is protected again after the Boot's answer. Calls go out one at a time, in the
 * order asked, as OCPP requires; queued here rather than in ocpp-rpc so that abandoned ones can be dropped.
 */
export class ChargerConnection {
  private epoch: Epoch = newEpoch();
  private tail: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly bootRequest = newGate();
  private bootRequested = false;

  /**
   * @param preBootTimeoutMs for calls before the charger's Boot is accepted on the connection: a charger that
   *   is in fact booting answers nothing until then, one that reconnected without booting answers at once
   */
  constructor(
    private readonly callTimeoutMs: number,
    private readonly preBootTimeoutMs: number,
  ) {}

  /** A BootNotification arrived on this connection. */
  get hasBooted(): boolean {
    return this.bootRequested;
  }

  /** The calls from now on, until the next Boot. */
  current(): object {
    return this.epoch;
  }

  /** False once the charger booted again after `epoch` began, or the connection closed. */
  isCurrent(epoch: object): boolean {
    return !this.closed && epoch === this.epoch;
  }

  /**
   * The charger sent BootNotification: what was asked of it before is abandoned, and whoever waits for it to
   * be protected waits until it has been protected anew (`markProtected`).
   */
  bootStarted(): void {
    this.bootRequested = true;
    this.bootRequest.open();
    this.epoch.abandon.abort();
    this.epoch.protected.open();
    this.epoch = newEpoch();
  }

  /** Its Boot was accepted: calls from now on wait the full timeout. */
  bootAccepted(): void {
    this.epoch.booted = true;
  }

  /** Resolves once a Boot arrives (true), or after `waitMs` or when the connection closes (false). */
  async bootWithin(waitMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const elapsed = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs).unref()));
    await Promise.race([this.bootRequest.promise, elapsed]);
    clearTimeout(timer);
    return this.bootRequested && !this.closed;
  }

  /** The charger holds its station maximum (or was asked to) in `epoch`: connector profiles may follow. */
  markProtected(epoch: object): void {
    (epoch as Epoch).protected.open();
  }

  /** Resolves once the charger has been protected since its last Boot, or the connection closed. */
  async whenProtected(): Promise<void> {
    let epoch: Epoch;
    do {
      epoch = this.epoch;
      await epoch.protected.promise;
    } while (epoch !== this.epoch && !this.closed);
  }

  /** Waits `ms`, less when the charger boots again or the connection closes. @returns whether `epoch` is current */
  async pause(epoch: object, ms: number): Promise<boolean> {
    const { signal } = (epoch as Epoch).abandon;
    await sleep(ms, undefined, { signal, ref: false }).catch(() => undefined);
    return this.isCurrent(epoch);
  }

  /** Nothing more goes out; whoever waits is let go, to find the charger offline. */
  close(): void {
    this.closed = true;
    this.epoch.abandon.abort();
    this.epoch.protected.open();
    this.bootRequest.open();
  }

  /**
   * Runs `send` after the calls asked before it have settled, with the current Boot's abort signal and
   * timeout (`timeoutMs` may only shorten it).
   * @throws CallAbandonedError when the charger boots before the call is answered
   */
  send<T>(send: (options: SendOptions) => Promise<T>, timeoutMs?: number): Promise<T> {
    const epoch = this.epoch;
    const task = async () => {
      if (epoch.abandon.signal.aborted && !this.closed) throw new CallAbandonedError();
      const limit = epoch.booted ? this.callTimeoutMs : Math.min(this.callTimeoutMs, this.preBootTimeoutMs);
      // A signal of its own per call: ocpp-rpc never removes the listener it adds to the signal it is given.
      const call = new AbortController();
      const abandon = () => call.abort();
      epoch.abandon.signal.addEventListener('abort', abandon);
      try {
        return await send({ signal: call.signal, callTimeoutMs: Math.min(limit, timeoutMs ?? limit) });
      } catch (error) {
        if (epoch.abandon.signal.aborted && !this.closed) throw new CallAbandonedError();
        throw error;
      } finally {
        epoch.abandon.signal.removeEventListener('abort', abandon);
      }
    };
    const next = this.tail.then(task);
    this.tail = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }
}

function newEpoch(): Epoch {
  return { abandon: new AbortController(), booted: false, protected: newGate() };
}

function newGate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
