import { INestApplication } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { AppConfigModule } from '@gridflex/config';
import { hashPassword } from '@gridflex/common';
import { DATABASE, Database, PersistenceModule } from '@gridflex/persistence';
import { ConnectionRefusedError, SimulatedCharger } from '@gridflex/simulator';
import { OcppModule } from './ocpp.module';
import { insertCharger } from './testing/charger-fixtures';

describe('failed authentications over real WebSockets', () => {
  let app: INestApplication;
  let db: Database;
  let endpoint: string;
  const openClients: SimulatedCharger[] = [];

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppConfigModule.forRoot({ PGLITE_DATA_DIR: 'memory://', ADMIN_API_KEY: 'x'.repeat(32) }),
        PersistenceModule.forRoot(),
        EventEmitterModule.forRoot(),
        OcppModule,
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    endpoint = `ws://127.0.0.1:${app.getHttpServer().address().port}/ocpp`;
    db = app.get(DATABASE);
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

  it('refuses every identity from an address with 429 after ten unknown ones', async () => {
    const { identity } = await insertCharger(db, { identity: 'CP-OPEN' });
    for (let i = 0; i < 10; i++) {
      await expect(attempt(`NOBODY-${i}`)).rejects.toEqual(new ConnectionRefusedError(`NOBODY-${i}`, 404));
    }
    await expect(attempt(identity)).rejects.toEqual(new ConnectionRefusedError(identity, 429));
  });
});
