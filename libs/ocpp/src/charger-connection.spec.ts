import { CallAbandonedError, ChargerConnection, SendOptions } from './charger-connection';

/** A call that stays unanswered until it is aborted, as a booting charger leaves it. */
function unanswered(sent: SendOptions[]) {
  return (options: SendOptions) => {
    sent.push(options);
    return new Promise<never>((_, reject) =>
      options.signal.addEventListener('abort', () =>
        reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
      ),
    );
  };
}

function answered(sent: SendOptions[], answer = 'ok') {
  return (options: SendOptions) => {
    sent.push(options);
    return Promise.resolve(answer);
  };
}

describe('ChargerConnection', () => {
  it('sends one call at a time, in the order asked, with the short timeout until the Boot is accepted', async () => {
    const connection = new ChargerConnection(60_000, 5_000);
    const sent: SendOptions[] = [];
    const order: string[] = [];
    let release!: () => void;
    const first = connection.send((options) => {
      sent.push(options);
      order.push('first sent');
      return new Promise<string>((resolve) => (release = () => resolve('first')));
    });
    const second = connection.send(answered(sent, 'second')).then((answer) => {
      order.push('second answered');
      return answer;
    });
    await Promise.resolve();
    expect(order).toEqual(['first sent']);
    release();
    await expect(first).resolves.toBe('first');
    await expect(second).resolves.toBe('second');
    expect(order).toEqual(['first sent', 'second answered']);
    expect(sent.map((options) => options.callTimeoutMs)).toEqual([5_000, 5_000]);

    connection.bootStarted();
    connection.bootAccepted();
    await connection.send(answered(sent));
    await connection.send(answered(sent), 1_000);
    expect(sent.slice(2).map((options) => options.callTimeoutMs)).toEqual([60_000, 1_000]);
  });

  it('never waits longer before the Boot than the call timeout allows', async () => {
    const connection = new ChargerConnection(2_000, 5_000);
    const sent: SendOptions[] = [];
    await connection.send(answered(sent));
    expect(sent[0].callTimeoutMs).toBe(2_000);
  });

  it('abandons, on a Boot, the call in flight and those queued behind it, which are never sent', async () => {
    const connection = new ChargerConnection(60_000, 60_000);
    const sent: SendOptions[] = [];
    const inFlight = connection.send(unanswered(sent));
    const queued = connection.send(answered(sent));
    await Promise.resolve();
    expect(sent).toHaveLength(1);

    connection.bootStarted();
    await expect(inFlight).rejects.toBeInstanceOf(CallAbandonedError);
    await expect(queued).rejects.toBeInstanceOf(CallAbandonedError);
    expect(sent).toHaveLength(1);
    // What is asked after the Boot goes out at once.
    await expect(connection.send(answered(sent, 'after'))).resolves.toBe('after');
    expect(sent).toHaveLength(2);
  });

  it('holds whoever waits for protection until the charger is protected since its last Boot', async () => {
    const connection = new ChargerConnection(60_000, 5_000);
    let protectedYet = false;
    const waiting = connection.whenProtected().then(() => protectedYet);
    const beforeBoot = connection.current();
    connection.bootStarted();
    // Protection of before the Boot does not count.
    connection.markProtected(beforeBoot);
    expect(connection.isCurrent(beforeBoot)).toBe(false);
    const afterBoot = connection.current();
    await new Promise((resolve) => setImmediate(resolve));
    protectedYet = true;
    connection.markProtected(afterBoot);
    await expect(waiting).resolves.toBe(true);
  });

  it('lets waiters go when the connection closes; calls then reach the closed socket, which refuses them', async () => {
    const connection = new ChargerConnection(60_000, 5_000);
    const sent: SendOptions[] = [];
    const waiting = connection.whenProtected();
    const offline = new Error('socket closed');
    const refused = connection.send((options) => {
      sent.push(options);
      return Promise.reject(offline);
    });
    connection.close();
    await waiting;
    await expect(refused).rejects.toBe(offline);
    await expect(connection.bootWithin(60_000)).resolves.toBe(false);
  });

  it('tells whether a Boot came within the wait', async () => {
    const booting = new ChargerConnection(60_000, 5_000);
    const boot = booting.bootWithin(60_000);
    booting.bootStarted();
    await expect(boot).resolves.toBe(true);
    expect(booting.hasBooted).toBe(true);
    await expect(new ChargerConnection(60_000, 5_000).bootWithin(0)).resolves.toBe(false);
  });

  it('cuts a pause short when the charger boots again', async () => {
    const connection = new ChargerConnection(60_000, 5_000);
    const epoch = connection.current();
    const paused = connection.pause(epoch, 60_000);
    connection.bootStarted();
    await expect(paused).resolves.toBe(false);
    await expect(connection.pause(connection.current(), 0)).resolves.toBe(true);
  });
});
