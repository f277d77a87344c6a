import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import {
  describeFailure,
  isConflict,
  isDataException,
  sqlStateOf,
  stackFramesOf,
  UNIQUE_VIOLATION,
} from './database-error';

const SECRET = 'token-hash-5f2c9a0e7b';

describe('database errors', () => {
  let client: PGlite;
  let db: ReturnType<typeof drizzle>;

  beforeAll(async () => {
    client = await PGlite.create('memory://');
    db = drizzle(client);
    await db.execute(sql`CREATE TABLE peers (name text UNIQUE NOT NULL, port integer)`);
    await db.execute(sql`INSERT INTO peers (name) VALUES (${SECRET})`);
  });

  afterAll(() => client.close());

  /** The error the query really raises, as Drizzle wraps it (query and parameters in its message). */
  async function failureOf(query: ReturnType<typeof sql>): Promise<unknown> {
    try {
      await db.execute(query);
    } catch (error) {
      return error;
    }
    throw new Error('the query did not fail');
  }

  it('finds the SQLSTATE of a duplicate through the ORM wrapper, and calls it a conflict', async () => {
    const error = await failureOf(sql`INSERT INTO peers (name) VALUES (${SECRET})`);
    expect((error as Error).message).toContain(SECRET);
    expect(sqlStateOf(error)).toBe(UNIQUE_VIOLATION);
    expect(isConflict(sqlStateOf(error))).toBe(true);
    expect(isDataException(sqlStateOf(error))).toBe(false);
  });

  it.each([
    ['a number beyond int4', sql`INSERT INTO peers (name, port) VALUES ('a', ${99999999999})`, '22003'],
    ['text that is no integer', sql`INSERT INTO peers (name, port) VALUES ('b', ${'eighty'})`, '22P02'],
    ['a missing required value', sql`INSERT INTO peers (name) VALUES (${null})`, '23502'],
    ['an impossible date', sql`SELECT ${'2030-02-30'}::date`, '22008'],
  ])('calls %s a data exception', async (_case, query, state) => {
    const error = await failureOf(query);
    expect(sqlStateOf(error)).toBe(state);
    expect(isDataException(sqlStateOf(error))).toBe(true);
  });

  it('describes a failure by class and SQLSTATE, without the query, its parameters or the server message', async () => {
    const error = await failureOf(sql`INSERT INTO peers (name, port) VALUES (${SECRET}, ${'eighty'})`);
    const description = describeFailure(error);
    expect(description).toMatch(/SQLSTATE 22P02/);
    expect(description).not.toContain(SECRET);
    expect(description).not.toMatch(/eighty|params|INSERT/i);
    expect(stackFramesOf(error)).not.toContain(SECRET);
    expect(stackFramesOf(error)).toMatch(/^\s+at /);
  });

  it('names the constraint of a duplicate, not its value', async () => {
    const description = describeFailure(await failureOf(sql`INSERT INTO peers (name) VALUES (${SECRET})`));
    expect(description).toContain('constraint peers_name_key');
    expect(description).not.toContain(SECRET);
  });

  it('keeps the first line of other errors, without any params a wrapper appended', () => {
    expect(describeFailure(new TypeError(`x is undefined\nparams: ${SECRET}`))).toBe(
      'TypeError: x is undefined',
    );
    expect(describeFailure(new Error(`Failed query: select 1 params: ${SECRET}`))).toBe(
      'Error: database query failed',
    );
    expect(sqlStateOf(new Error('no database here'))).toBeUndefined();
  });

  it('stops on a cycle of causes', () => {
    const error = new Error('loop') as Error & { cause?: unknown };
    error.cause = error;
    expect(sqlStateOf(error)).toBeUndefined();
  });
});
