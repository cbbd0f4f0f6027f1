// A throwaway PostgreSQL 15 for tests: initdb into a temp dir as the `postgres` user (PostgreSQL refuses to run as
// root), listening on 127.0.0.1 on a free port, stopped and removed by stop(). Throws when it cannot start: the tests
// that need it fail, never skip. `restart()` models a database restart mid-run; `dump()` is pg_dump of everything.
import { execFile as execFileCb } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, chmodSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pgDriver from "pg";

const execFile = promisify(execFileCb);
export const PG_BIN = process.env.DD_PG_BIN || "/usr/lib/postgresql/15/bin";

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL binary as the `postgres` user when we are root (as on CI), directly otherwise. */
function asPostgres(cmd, args, opts = {}) {
  const full = join(PG_BIN, cmd);
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  return root ? execFile("runuser", ["-u", "postgres", "--", full, ...args], opts) : execFile(full, args, opts);
}

export async function startPostgres() {
  if (!existsSync(join(PG_BIN, "initdb"))) {
    throw new Error(`PostgreSQL 15 is not installed (${PG_BIN}/initdb is missing): run scripts/setup.sh (apt-get install postgresql)`);
  }
  const dir = mkdtempSync(join(tmpdir(), "dd-pg-"));
  const data = join(dir, "data");
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  if (root) await execFile("chown", ["postgres:postgres", dir]);
  chmodSync(dir, 0o700);
  const port = await freePort();
  let running = false;
  const start = async () => {
    await asPostgres("pg_ctl", ["-D", data, "-l", join(dir, "server.log"), "-w", "-t", "30", "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`, "start"]);
    running = true;
  };
  try {
    await asPostgres("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "--no-instructions"]);
    await start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start a throwaway PostgreSQL: ${err.stderr || err.message}`);
  }
  const pg = {
    port,
    connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    /** A fresh database on this server, for a test that wants its own tables. */
    async createDatabase(name) {
      await asPostgres("createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", name]);
      return `postgresql://postgres@127.0.0.1:${port}/${name}`;
    },
    async stopServer(mode = "fast") {
      if (!running) return;
      await asPostgres("pg_ctl", ["-D", data, "-m", mode, "-w", "stop"]);
      running = false;
    },
    startServer: start,
    async restart() {
      await pg.stopServer("fast");
      await start();
    },
    /** One statement on its own connection (the tests' look behind the store): its rows. */
    async sql(text, params) {
      const c = new pgDriver.Client({ connectionString: pg.connectionString });
      await c.connect();
      try {
        return (await c.query(text, params)).rows;
      } finally {
        await c.end();
      }
    },
    /** Every table of every database, as SQL text (pg_dumpall). */
    async dump() {
      const { stdout } = await asPostgres("pg_dumpall", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres"], { maxBuffer: 256 * 1024 * 1024 });
      return stdout;
    },
    async stop() {
      try {
        await pg.stopServer("immediate");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return pg;
}
