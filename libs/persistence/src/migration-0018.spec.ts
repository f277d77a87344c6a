import { sql } from 'drizzle-orm';
import { acrossMigration } from './testing/migrations-before';

const TAG = '0018_line_to_line_and_transformers';

describe(`migration ${TAG}`, () => {
  it('leaves existing sites, circuits and connectors as they were wired: to neutral, without transformer', () =>
    acrossMigration(
      TAG,
      async (db) => {
        await db.execute(sql`
        insert into sites (id, name, nominal_voltage_v, limit_l1_a, limit_l2_a, limit_l3_a)
          values ('00000000-0000-4000-8000-000000000001', 'depot', 230, 63, 63, 63)`);
        await db.execute(sql`
        insert into circuits (site_id, name, limit_l1_a, limit_l2_a, limit_l3_a)
          values ('00000000-0000-4000-8000-000000000001', 'bay', 32, 32, 32)`);
        await db.execute(sql`
        insert into chargers (id, site_id, identity, ocpp_version)
          values ('00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000001', 'CP-1', '1.6')`);
        await db.execute(sql`
        insert into connectors (charger_id, connector_id, max_current_a, phases)
          values ('00000000-0000-4000-8000-000000000002', 1, 32, 3)`);
      },
      async (client) => {
        const site = await client.query('select line_to_line_voltage_v, transformer from sites');
        expect(site.rows).toEqual([{ line_to_line_voltage_v: null, transformer: null }]);
        expect((await client.query('select transformer from circuits')).rows).toEqual([
          { transformer: null },
        ]);
        const connector = await client.query('select phases, line_to_line from connectors');
        expect(connector.rows).toEqual([{ phases: 3, line_to_line: null }]);
      },
    ));
});
