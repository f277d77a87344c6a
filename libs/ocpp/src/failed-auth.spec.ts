import { INestApplication } from '@nestjs/common';
import { hashPassword } from '@gridflex/common';
import { Database } from '@gridflex/persistence';
import { ConnectionRefusedError, SimulatedCharger } from '@gridflex/simulator';
import { insertCharger } from './testing/charger-fixtures';
import { startOcppTestApp } from './testing/ocpp-test-app';

describe('failed authentications over real WebSockets', () => {
  let app: INestApplication;
  let db: Database;
  let endpoint: string;
  const openClients: SimulatedCharger[] = [];

  beforeAll(async () => {
    ({ app, endpoint, db } = await startOcppTestApp());
  });

  afterAll(async () => {
    await Promise.all(openClients.map((client) => client.close()));
    await app.close();
  });

  const attempt = (identity: string, password?: string) => {
    const charger = new SimulatedCharger({ endpoint, identity, password, connectorCount: 1 });
    openClients.push(charger);
    return charger.connect();
  };

  it("refuses an identity's wrong passwords from one address with 429 after ten, not its neighbours", async () => {
    const passwordHash = await hashPassword('the-right-password');
    const guarded = await insertCharger(db, { identity: 'CP-GUARDED', passwordHash });
    const neighbour = await insertCharger(db, { identity: 'CP-NEIGHBOUR', passwordHash });
    for (let i = 0; i < 10; i++) {
      await expect(attempt(guarded.identity, `guess-${i}`)).rejects.toEqual(
        new ConnectionRefusedError(guarded.identity, 401),
      );
    }
    await expect(attempt(guarded.identity, 'the-right-password')).rejects.toEqual(
      new ConnectionRefusedError(guarded.identity, 429),
    );
    await expect(attempt(neighbour.identity, 'the-right-password')).resolves.toBeUndefined();
  });

  it('after ten unknown identities from an address, refuses further unknown ones only: chargers still connect', async () => {
    const passwordHash = await hashPassword('its-password');
    const open = await insertCharger(db, { identity: 'CP-OPEN' });
    const guarded = await insertCharger(db, { identity: 'CP-PASSWORD', passwordHash });
    for (let i = 0; i < 10; i++) {
      await expect(attempt(`NOBODY-${i}`)).rejects.toEqual(new ConnectionRefusedError(`NOBODY-${i}`, 404));
    }
    await expect(attempt('NOBODY-MORE')).rejects.toEqual(new ConnectionRefusedError('NOBODY-MORE', 429));
    await expect(attempt(open.identity)).resolves.toBeUndefined();
    await expect(attempt(guarded.identity, 'its-password')).resolves.toBeUndefined();
  });
});
