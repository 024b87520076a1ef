/**
 * Regenerates dr/targets/pg15-settings.json, the catalogue that
 * dr/targets/postgres-parameters.ts validates `agent-dr:postgres.overrides.parameters` against.
 *
 *   npx node -r @swc-node/register scripts/pg15-settings.ts [path/to/pg/bin]
 *
 * Reads `pg_settings` (and pg_settings_get_flags) of a real PostgreSQL 15 server that it starts
 * for the purpose (initdb in a temporary directory, Unix socket only, as the unprivileged `agentdr`
 * user when run as root), then asks `postgres -C` which spellings of each enum parameter the
 * server accepts beyond the `enumvals` pg_settings shows: guc.c hides bool-like spellings
 * ("true", "yes", "1", ...) and legacy names (wal_level "archive") from that list, and a validator
 * that refused them would refuse what PostgreSQL accepts.
 */
import { execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";

const BIN = process.argv[2] ?? "/usr/lib/postgresql/15/bin";
const OUT = path.resolve(__dirname, "../dr/targets/pg15-settings.json");
const PORT = 21099;

/** Spellings guc.c accepts for some enums without listing them in enumvals; each is probed, only accepted ones are kept. */
const HIDDEN_CANDIDATES = ["on", "off", "true", "false", "yes", "no", "1", "0", "archive", "hot_standby", "debug", "safe_encoding", "partition", "try", "auto"];

const asRoot = process.getuid?.() === 0;
const asUser = (cmd: string, args: string[]): [string, string[]] => (asRoot ? ["runuser", ["-u", "agentdr", "--", cmd, ...args]] : [cmd, args]);

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-dr-pg15-settings-"));
  if (asRoot) execFileSync("chown", ["agentdr:agentdr", dir]);
  const data = path.join(dir, "data");
  const init = spawnSync(...asUser(path.join(BIN, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync"]), { encoding: "utf8" });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const server = spawn(...asUser(path.join(BIN, "postgres"), ["-D", data, "-p", String(PORT), "-c", "listen_addresses=", "-k", dir]), { stdio: "ignore" });
  try {
    const { rows, version } = await readSettings(dir);
    const probeDir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-dr-pg15-probe-"));
    fs.writeFileSync(path.join(probeDir, "postgresql.conf"), "");
    const parameters = rows.map((r) => {
      const enumvals: string[] | null = r.enumvals;
      const hidden =
        r.vartype === "enum"
          ? HIDDEN_CANDIDATES.filter((v) => !enumvals!.some((e) => e.toLowerCase() === v) && accepts(probeDir, r.name, v))
          : undefined;
      return {
        name: r.name as string,
        vartype: r.vartype as string,
        unit: r.unit as string | null,
        min_val: r.min_val as string | null,
        max_val: r.max_val as string | null,
        enumvals,
        ...(hidden && hidden.length > 0 ? { hidden_enumvals: hidden } : {}),
        context: r.context as string,
        flags: r.flags as string[] | null,
      };
    });
    fs.rmSync(probeDir, { recursive: true, force: true });
    const doc = {
      source: `pg_settings and pg_settings_get_flags() of PostgreSQL ${version} (${BIN}), read by scripts/pg15-settings.ts; hidden_enumvals are the extra enum spellings \`postgres -C\` of the same binary accepts`,
      licence: "Facts about PostgreSQL's server parameters, taken from PostgreSQL itself: PostgreSQL Licence (https://www.postgresql.org/about/licence/), Copyright (c) The PostgreSQL Global Development Group",
      regenerate: "npx node -r @swc-node/register scripts/pg15-settings.ts",
      server_version: version,
      parameters,
    };
    // One parameter per line: a regeneration's diff shows which parameters changed.
    const { parameters: list, ...header } = doc;
    const head = JSON.stringify(header, null, 2).replace(/\n}$/, "");
    fs.writeFileSync(OUT, `${head},\n  "parameters": [\n${list.map((p) => `    ${JSON.stringify(p)}`).join(",\n")}\n  ]\n}\n`);
    process.stdout.write(`wrote ${parameters.length} parameters of PostgreSQL ${version} to ${path.relative(process.cwd(), OUT)}\n`);
  } finally {
    const stop = spawnSync(...asUser(path.join(BIN, "pg_ctl"), ["-D", data, "-m", "fast", "-w", "stop"]), { encoding: "utf8" });
    if (stop.status !== 0) server.kill("SIGTERM");
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** pg_settings rows (node-postgres turns text[] into arrays) and the server's version, once the server takes connections. */
async function readSettings(socketDir: string): Promise<{ rows: any[]; version: string }> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new Client({ host: socketDir, port: PORT, user: "postgres", database: "postgres" });
    try {
      await client.connect();
      const version = (await client.query("SHOW server_version")).rows[0].server_version;
      const { rows } = await client.query(
        "SELECT name, vartype, unit, min_val, max_val, enumvals, context, pg_settings_get_flags(name) AS flags FROM pg_settings ORDER BY name COLLATE \"C\"",
      );
      await client.end();
      return { rows, version };
    } catch (e) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Whether `postgres -C` accepts `name = value` (parse and range checks, no server needed). */
function accepts(dir: string, name: string, value: string): boolean {
  return spawnSync(path.join(BIN, "postgres"), ["-C", name, "-c", `${name}=${value}`, "-D", dir], { encoding: "utf8" }).status === 0;
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
