import { sql } from 'drizzle-orm';
import { acrossMigration, seedDepot } from './testing/migrations-before';

const TAG = '0023_upstream_outbox';

describe(`migration ${TAG}`, () => {
  it('gives the 1.6 transactions before it their own id as the id their charger holds, no upstream id', () =>
    acrossMigration(
      TAG,
      async (db) => {
        await seedDepot(db);
        await db.execute(sql`
        insert into transactions (id, connector_ref, id_tag, meter_start_wh, started_at, station_transaction_id) values
          (7, '00000000-0000-4000-8000-00000000000c', 'A', 0, now(), null),
          (8, '00000000-0000-4000-8000-00000000000c', 'B', 0, now(), 'tx-201')`);
      },
      async (client) => {
        const rows = await client.query(
          'select id, charger_transaction_id, upstream_transaction_id from transactions order by id',
        );
        expect(rows.rows).toEqual([
          { id: 7, charger_transaction_id: 7, upstream_transaction_id: null },
          { id: 8, charger_transaction_id: null, upstream_transaction_id: null },
        ]);
        const outbox = await client.query<{ waiting: number }>(
          'select count(*)::int as waiting from upstream_outbox',
        );
        expect(outbox.rows).toEqual([{ waiting: 0 }]);
      },
    ));
});
