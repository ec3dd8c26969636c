// The PostgreSQL server of the global setup answers through `pg` over loopback TCP and over its
// Unix socket, and two connections claim rows with FOR UPDATE SKIP LOCKED without taking the
// same one (what a task queue shared by several nodes relies on).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";

const url = inject("postgresUrl");

describe("test PostgreSQL server", () => {
  const clients: pg.Client[] = [];
  const connect = async (config: string | pg.ClientConfig): Promise<pg.Client> => {
    const client = new pg.Client(config);
    await client.connect();
    clients.push(client);
    return client;
  };
  const table = `t_${process.pid}`;

  beforeAll(() => {
    expect(process.env.HPCFIT_TEST_POSTGRES_URL).toBe(url);
  });
  afterAll(async () => {
    await clients[0]?.query(`DROP TABLE IF EXISTS ${table}`);
    await Promise.all(clients.map((c) => c.end()));
  });

  test("a client connects with the provided URL and runs queries", async () => {
    expect(url).toMatch(/^postgres:\/\/hpcfit@127\.0\.0\.1:\d+\/hpcfit$/);
    const client = await connect(url);
    const { rows } = await client.query<{ user: string; db: string; sum: number }>(
      "SELECT current_user AS user, current_database() AS db, $1::int + $2::int AS sum",
      [40, 2],
    );
    expect(rows).toEqual([{ user: "hpcfit", db: "hpcfit", sum: 42 }]);
    await client.query(`CREATE TABLE ${table} (id int PRIMARY KEY, claimed_by text)`);
    await client.query(`INSERT INTO ${table} (id) SELECT g FROM generate_series(1, 4) AS g`);
    expect((await client.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]).toEqual({ n: 4 });
  });

  test("the server also listens on a Unix socket, and the role may create databases", async () => {
    const { port } = new URL(url);
    const socketDir = (
      await connect(url).then((c) => c.query<{ dir: string }>("SELECT current_setting('unix_socket_directories') AS dir"))
    ).rows[0].dir;
    expect(socketDir).toMatch(/^\/.*\/socket$/);
    const client = await connect({ host: socketDir, port: Number(port), user: "hpcfit", database: "hpcfit" });
    expect((await client.query<{ addr: string | null }>("SELECT inet_server_addr() AS addr")).rows[0].addr).toBeNull();
    const name = `scratch_${process.pid}`;
    await client.query(`CREATE DATABASE ${name}`);
    await client.query(`DROP DATABASE ${name}`);
  });

  test("two connections claim different rows with FOR UPDATE SKIP LOCKED", async () => {
    const [a, b] = [await connect(url), await connect(url)];
    const claim = `SELECT id FROM ${table} WHERE claimed_by IS NULL ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`;
    await a.query("BEGIN");
    await b.query("BEGIN");
    const first = (await a.query<{ id: number }>(claim)).rows[0].id;
    const second = (await b.query<{ id: number }>(claim)).rows[0].id;
    expect([first, second]).toEqual([1, 2]);
    await a.query(`UPDATE ${table} SET claimed_by = 'a' WHERE id = $1`, [first]);
    await b.query(`UPDATE ${table} SET claimed_by = 'b' WHERE id = $1`, [second]);
    await Promise.all([a.query("COMMIT"), b.query("COMMIT")]);
    const { rows } = await a.query(`SELECT id, claimed_by FROM ${table} WHERE claimed_by IS NOT NULL ORDER BY id`);
    expect(rows).toEqual([
      { id: 1, claimed_by: "a" },
      { id: 2, claimed_by: "b" },
    ]);
  });
});
