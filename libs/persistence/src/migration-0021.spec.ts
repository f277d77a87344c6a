import { sql } from 'drizzle-orm';
import { acrossMigration, seedDepot } from './testing/migrations-before';

const TAG = '0021_session_wish_sources';

describe(`migration ${TAG}`, () => {
  it("names the source of the wishes told before it: bookings by their author, the rest the API's", () =>
    acrossMigration(
      TAG,
      async (db) => {
        await seedDepot(db);
        await db.execute(sql`
        insert into transactions (id, connector_ref, id_tag, meter_start_wh, started_at) values
          (1, '00000000-0000-4000-8000-00000000000c', 'A', 0, now()),
          (2, '00000000-0000-4000-8000-00000000000c', 'B', 0, now())`);
        await db.execute(sql`
        insert into session_preferences (transaction_id, energy_wanted_wh, updated_by) values
          (1, 10000, 'booking 5d0c by ops'),
          (2, 20000, 'admin-api')`);
      },
      async (client) => {
        const rows = await client.query(
          'select transaction_id, source, ev_max_current_a from session_preferences order by transaction_id',
        );
        expect(rows.rows).toEqual([
          { transaction_id: 1, source: 'booking', ev_max_current_a: null },
          { transaction_id: 2, source: 'api', ev_max_current_a: null },
        ]);
      },
    ));
});
