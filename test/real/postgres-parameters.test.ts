/**
 * The rendered postgresql parameters against a real PostgreSQL 15: `postgres -C` parses them
 * (unknown names, bad values), and a real start (port 21020 unless AGENT_DR_DRILL_PORT_BASE moves it, as the unprivileged user when run as
 * root) applies them. A misspelled override fails the plan, naming the key; an invalid value is
 * refused by the server, naming the key. Wall time about 10-20 s.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { deriveSettings } from "../../dr/settings";
import { parseStackConfig } from "../../dr/targets";
import { rawConfigOf } from "../../offline/plan";
import { readStackFile } from "../../offline/stack-files";
import { checkWithPostgres } from "../../testbed/postgres/conf-check";
import { POSTGRES_15_PARAMETERS } from "../../dr/targets/pg15-parameter-names";
import { testPortBase } from "../../testbed/ports";
import { renderPostgresParameters, parameterProblems } from "../../components/postgres/render/parameters";
import { renderPatroniDynamicConfig } from "../../components/postgres/render/patroni";
import { runStack, stackFileWith } from "../harness/offline";
import { SHIPPED_PATRONI } from "../harness/prod-config";

const PG_BIN = "/usr/lib/postgresql/15/bin";
const PORT = testPortBase(21020);
const overrideKey = (n: string) => `agent-dr:postgres.overrides.parameters.${n}`;

function settingsOf(stack: string, patch: Record<string, unknown> = {}) {
  const config = parseStackConfig(rawConfigOf(readStackFile(stackFileWith(stack, patch))), stack);
  return { config, pg: deriveSettings(config).postgres! };
}

test("the vendored parameter names are exactly what the installed PostgreSQL 15 lists", () => {
  const r = spawnSync(`${PG_BIN}/postgres`, ["--describe-config"], { encoding: "utf8" });
  expect(r.status).toBe(0);
  const names = r.stdout.split("\n").filter(Boolean).map((l) => l.split("\t")[0]);
  expect([...POSTGRES_15_PARAMETERS].sort()).toEqual([...new Set(names)].sort());
});

describe.each(["staging", "prod"])("%s", (stack) => {
  const patch = { "agent-dr:postgres": { overrides: { parameters: { work_mem: "16MB", log_min_duration_statement: "500ms" } } } };
  const { config, pg } = settingsOf(stack, patch);
  const params = renderPostgresParameters(pg, config.postgres.overrides.parameters);

  test("postgres -C accepts the rendered parameters, overrides included", () => {
    const check = checkWithPostgres(params);
    expect([...check.problems].sort()).toEqual([]);
    expect(check.ok).toBe(true);
    expect(check.walLevel).toBe("replica");
  });

  test("the Patroni dynamic config carries the settings and the same parameters", () => {
    const d = renderPatroniDynamicConfig(pg, config.postgres.overrides.parameters);
    expect(d).toMatchObject(SHIPPED_PATRONI);
    expect(d.postgresql.parameters).toEqual(params);
    expect(d.loop_wait + 2 * d.retry_timeout).toBeLessThanOrEqual(d.ttl);
  });
});

test("an invalid override value is refused by PostgreSQL, naming the key, the value and what is valid", () => {
  const { pg } = settingsOf("prod");
  const overrides = { work_mem: "16XB", max_connections: "-5", wal_compression: "maybe" };
  const check = checkWithPostgres(renderPostgresParameters(pg, overrides), (n) => (n in overrides ? overrideKey(n) : n));
  expect(check.ok).toBe(false);
  expect([...check.problems].sort()).toEqual([
    `${overrideKey("max_connections")}: -5 is outside the valid range (1 .. 262143)`,
    `${overrideKey("wal_compression")}: PostgreSQL refuses the value "maybe" (Available values: pglz, lz4, zstd, on, off.)`,
    `${overrideKey("work_mem")}: PostgreSQL refuses the value "16XB" (Valid units for this parameter are "B", "kB", "MB", "GB", and "TB".)`,
  ]);
});

test("a misspelled override fails the plan before any resource, naming the key and the likely name", async () => {
  const run = await runStack("staging", { "agent-dr:postgres": { overrides: { parameters: { shared_bufers: "128MB" } } } });
  expect(run.error?.message).toContain(`${overrideKey("shared_bufers")}: got "128MB"; unknown PostgreSQL parameter "shared_bufers" (did you mean "shared_buffers"?)`);
});

test("parameters the recovery settings own are refused as overrides", () => {
  expect(parameterProblems({ wal_level: "minimal", synchronous_standby_names: "*", "pg_stat_statements.track": "all" })).toEqual([
    { key: overrideKey("wal_level"), value: "minimal", expected: "expected no value here; must stay 'replica' for streaming replicas and the archive" },
    { key: overrideKey("synchronous_standby_names"), value: "*", expected: "expected no value here; Patroni manages it in synchronous_mode" },
  ]);
});

describe("a real PostgreSQL 15 starts with the prod parameters", () => {
  let dir: string;
  let server: ReturnType<typeof spawn> | undefined;
  const asRoot = process.getuid?.() === 0;
  const asUser = (cmd: string, args: string[]) => (asRoot ? ["runuser", ["-u", "agentdr", "--", cmd, ...args]] : [cmd, args]) as [string, string[]];

  afterAll(async () => {
    if (server && server.exitCode === null) {
      // runuser does not pass signals on; pg_ctl stops the postmaster by its pid file.
      const exited = new Promise((r) => server!.once("exit", r));
      spawnSync(...asUser(`${PG_BIN}/pg_ctl`, ["-D", path.join(dir, "data"), "-m", "fast", "-w", "stop"]), { encoding: "utf8" });
      await exited;
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test("initdb, start with the rendered parameters, read them back", async () => {
    const { config, pg } = settingsOf("prod");
    const params = renderPostgresParameters(pg, config.postgres.overrides.parameters);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-dr-pgstart-"));
    const data = path.join(dir, "data");
    if (asRoot) spawnSync("chown", ["agentdr:agentdr", dir]);
    const init = spawnSync(...asUser(`${PG_BIN}/initdb`, ["-D", data, "-U", "postgres", "--auth=trust"]), { encoding: "utf8" });
    expect(init.stderr + init.status).toMatch(/0$/);
    // Archiving goes nowhere here; the point is that the server starts with these settings.
    const args = ["-D", data, "-p", String(PORT), "-c", "listen_addresses=127.0.0.1", "-k", dir, "-c", "archive_command=/bin/true"];
    for (const [k, v] of Object.entries(params)) args.push("-c", `${k}=${v}`);
    server = spawn(...asUser(`${PG_BIN}/postgres`, args));
    let log = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`postgres did not start: ${log}`)), 30_000);
      const onData = (d: Buffer) => {
        log += d;
        if (log.includes("ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      };
      server!.stderr!.on("data", onData);
      server!.on("exit", (code) => reject(new Error(`postgres exited ${code}: ${log}`)));
    });
    const c = new Client({ host: "127.0.0.1", port: PORT, user: "postgres", database: "postgres" });
    await c.connect();
    try {
      const rows = (await c.query("SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1) ORDER BY name", [["archive_mode", "archive_timeout", "max_wal_senders", "wal_keep_size", "wal_level", "synchronous_commit"]])).rows;
      expect(Object.fromEntries(rows.map((r) => [r.name, r.setting]))).toEqual({
        archive_mode: "on",
        archive_timeout: String(pg.archiveTimeoutSeconds),
        max_wal_senders: "5",
        synchronous_commit: "local",
        wal_keep_size: "2048",
        wal_level: "replica",
      });
    } finally {
      await c.end();
    }
  });
});
