import { sql } from 'drizzle-orm';
import { acrossMigration } from './testing/migrations-before';

const TAG = '0023_upstream_outbox';

describe(`migration ${TAG}`, () => {
  it('gives the 1.6 transactions before it their own id as the id their charger holds, no upstream id', () =>
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
        insert into connectors (id, charger_id, connector_id, max_current_a, phases) values
          ('00000000-0000-4000-8000-00000000000c', '00000000-0000-4000-8000-00000000000b', 1, 32, 3)`);
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
