import { sql } from 'drizzle-orm';
import { acrossMigration } from './testing/migrations-before';

const TAG = '0016_dso_peer_groups';

describe(`migration ${TAG}`, () => {
  it('binds a group that exactly one peer sent forecasts for to it, and leaves the others unbound', () =>
    acrossMigration(
      TAG,
      async (db) => {
        await db.execute(sql`
        insert into dso_peers (id, name, token_hash) values
          ('00000000-0000-4000-8000-00000000000a', 'a', 'ha'),
          ('00000000-0000-4000-8000-00000000000b', 'b', 'hb')`);
        await db.execute(sql`
        insert into capacity_forecasts (peer_id, request_id, group_id, type, body) values
          ('00000000-0000-4000-8000-00000000000a', 'r1', 'grp-a', 'CONSUMPTION', '{}'),
          ('00000000-0000-4000-8000-00000000000a', 'r2', 'grp-a', 'FALLBACK_CONSUMPTION', '{}'),
          ('00000000-0000-4000-8000-00000000000a', 'r3', 'grp-shared', 'CONSUMPTION', '{}'),
          ('00000000-0000-4000-8000-00000000000b', 'r4', 'grp-shared', 'CONSUMPTION', '{}'),
          ('00000000-0000-4000-8000-00000000000b', 'r5', 'grp-b', 'OPTIMUM', '{}')`);
      },
      async (client) => {
        const bindings = await client.query(
          'select group_id, peer_id from dso_peer_groups order by group_id',
        );
        expect(bindings.rows).toEqual([
          { group_id: 'grp-a', peer_id: '00000000-0000-4000-8000-00000000000a' },
          { group_id: 'grp-b', peer_id: '00000000-0000-4000-8000-00000000000b' },
        ]);
      },
    ));
});
