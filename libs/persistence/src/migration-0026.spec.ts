import { sql } from 'drizzle-orm';
import { acrossMigration } from './testing/migrations-before';

const TAG = '0026_authorization_limits';

describe(`migration ${TAG}`, () => {
  it('keeps concurrent transactions allowed, and takes the list a charger holds for its site’s version', () =>
    acrossMigration(
      TAG,
      async (db) => {
        await db.execute(sql`
        insert into sites (id, name, nominal_voltage_v, limit_l1_a, limit_l2_a, limit_l3_a)
          values ('00000000-0000-4000-8000-00000000000a', 'Depot', 230, 63, 63, 63)`);
        await db.execute(sql`
        insert into chargers (id, site_id, identity, ocpp_version)
          values ('00000000-0000-4000-8000-00000000000b', '00000000-0000-4000-8000-00000000000a', 'CS-1', '1.6')`);
        await db.execute(sql`
        insert into site_authorization (site_id, policy, list_version)
          values ('00000000-0000-4000-8000-00000000000a', 'list', 7)`);
        await db.execute(sql`
        insert into charger_local_auth_lists (charger_id, list_version, entries)
          values ('00000000-0000-4000-8000-00000000000b', 7, '[]'::jsonb)`);
      },
      async (client) => {
        const policy = await client.query('select allow_concurrent_transactions from site_authorization');
        expect(policy.rows).toEqual([{ allow_concurrent_transactions: true }]);
        const lists = await client.query(
          'select list_version, site_list_version, omitted_entries from charger_local_auth_lists',
        );
        expect(lists.rows).toEqual([{ list_version: 7, site_list_version: 7, omitted_entries: 0 }]);
      },
    ));
});
