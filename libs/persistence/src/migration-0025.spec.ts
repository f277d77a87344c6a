import { sql } from 'drizzle-orm';
import { acrossMigration, seedDepot } from './testing/migrations-before';

const TAG = '0025_site_upstream';

describe(`migration ${TAG}`, () => {
  it('keeps a charger registered with its own upstream on it, and lets the others follow their site', () =>
    acrossMigration(
      TAG,
      async (db) => {
        await seedDepot(db, 'site');
        await db.execute(sql`
        insert into chargers (site_id, identity, ocpp_version, upstream_url, upstream_password) values
          ('00000000-0000-4000-8000-00000000000a', 'PROXIED', '1.6', 'wss://csms.example/ocpp', 'secret'),
          ('00000000-0000-4000-8000-00000000000a', 'LOCAL', '1.6', null, null)`);
      },
      async (client) => {
        const chargers = await client.query('select identity, upstream_mode from chargers order by identity');
        expect(chargers.rows).toEqual([
          { identity: 'LOCAL', upstream_mode: 'site' },
          { identity: 'PROXIED', upstream_mode: 'own' },
        ]);
        const sites = await client.query('select upstream_url, upstream_password from sites');
        expect(sites.rows).toEqual([{ upstream_url: null, upstream_password: null }]);
      },
    ));
});
