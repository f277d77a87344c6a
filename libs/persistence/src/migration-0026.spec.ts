import { sql } from 'drizzle-orm';
import { acrossMigration, seedDepot } from './testing/migrations-before';

const TAG = '0026_authorization_limits';

describe(`migration ${TAG}`, () => {
  it('keeps concurrent transactions allowed, and takes the list a charger holds for its site’s version', () =>
    acrossMigration(
      TAG,
      async (db) => {
        await seedDepot(db, 'charger');
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
