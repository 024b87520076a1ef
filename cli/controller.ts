import { Command } from "commander";
import * as os from "os";
import * as path from "path";
import { actionsFor } from "../runbooks/actions";
import { webhookAlerter } from "../runbooks/controller/alerts";
import { FailoverController } from "../runbooks/controller/controller";
import { controllerServer } from "../runbooks/controller/http";
import { watchesFor } from "../runbooks/controller/watches";
import { FileJournal, Journal, TeeJournal } from "../runbooks/engine";
import { chooseExecutor } from "../runbooks/executor-choice";
import { stackConfig, targetsFromFile } from "./stack-targets";
import { targetsFromConfig } from "../dr/targets/runbook-targets";
import { withStackOptions } from "./stack-options";

const program = withStackOptions(
  new Command().name("controller").description("Failover controller: health checks per component, runs the component's runbook after repeated failures."),
  "stack whose config names the clusters",
  "staging",
)
  .option("--local <topology>", "watch the local drill topology described by this JSON file")
  .option("--in-cluster", "run in the cluster: targets from RUNBOOK_TARGETS_FILE, settings from the environment")
  .option("--interval <seconds>", "seconds between health checks (CHECK_INTERVAL_SECONDS; default from the stack, 10)")
  .option("--threshold <n>", "consecutive failed checks before a run (FAILURE_THRESHOLD; default from the stack, 3)")
  .option("--cooldown <seconds>", "no new run for a component this long after one", "600")
  .option("--region-promotion <mode>", "automatic | manual (REGION_PROMOTION; default from the stack)")
  .option("--listen <host:port>", "HTTP API: /healthz, /status, POST /approve/<component>", "127.0.0.1:23580")
  .option("--journal <file>", "JSON-lines journal", process.env.JOURNAL_FILE ?? path.join(os.homedir(), ".agent-dr", "journal.jsonl"))
  .parse();

type Opts = { stack: string; configFile?: string; local?: string; inCluster?: boolean; interval?: string; threshold?: string; cooldown: string; regionPromotion?: string; listen: string; journal: string };
const opts = program.opts<Opts>();

/** A positive number from a flag or the environment, or an error naming where it came from. */
function num(label: string, value: string | undefined, fallback: number, integer = false): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new Error(`${label}: ${JSON.stringify(value)}: expected a ${integer ? "positive integer" : "positive number"}`);
  return n;
}

async function main(): Promise<number> {
  let controller: FailoverController;
  let listen: { host: string; port: number };
  try {
    const config = opts.inCluster ? undefined : stackConfig(opts.stack, opts.configFile);
    const targets = opts.inCluster ? targetsFromFile(process.env.RUNBOOK_TARGETS_FILE ?? "/etc/agent-dr/targets.json") : targetsFromConfig(config!);
    const interval = num("--interval / CHECK_INTERVAL_SECONDS", opts.interval ?? process.env.CHECK_INTERVAL_SECONDS, config?.failover.controller.intervalSeconds ?? 10);
    const threshold = num("--threshold / FAILURE_THRESHOLD", opts.threshold ?? process.env.FAILURE_THRESHOLD, config?.failover.controller.failureThreshold ?? 3, true);
    const cooldown = num("--cooldown", opts.cooldown, 600);
    const mode = opts.regionPromotion ?? process.env.REGION_PROMOTION ?? config?.failover.regionPromotion ?? "manual";
    if (mode !== "automatic" && mode !== "manual") throw new Error(`--region-promotion / REGION_PROMOTION: ${JSON.stringify(mode)}: expected automatic or manual`);
    const m = /^(.+):(\d+)$/.exec(opts.listen);
    if (!m) throw new Error(`--listen: ${JSON.stringify(opts.listen)}: expected host:port`);
    listen = { host: m[1], port: Number(m[2]) };
    const executor = chooseExecutor(targets, { local: opts.local, inCluster: opts.inCluster });
    const log = (l: string) => process.stderr.write(`${new Date().toISOString()} ${l}\n`);
    const stdoutJournal: Journal = { write: (e) => process.stdout.write(JSON.stringify(e) + "\n") };
    const watches = watchesFor(targets, executor, { regionPromotion: mode });
    if (watches.length === 0) throw new Error(`stack ${targets.stack}: nothing to watch (no DR standby cluster and no Redis tier)`);
    controller = new FailoverController({
      watches,
      actions: actionsFor(executor),
      intervalMs: interval * 1000,
      failureThreshold: threshold,
      cooldownMs: cooldown * 1000,
      journal: new TeeJournal([new FileJournal(path.resolve(opts.journal)), stdoutJournal]),
      ...(process.env.ALERT_WEBHOOK_URL ? { alert: webhookAlerter(process.env.ALERT_WEBHOOK_URL, log) } : {}),
      log,
    });
    log(`watching ${watches.map((w) => `${w.component}${w.requiresApproval ? " (manual approval)" : ""}`).join(", ")} every ${interval} s, threshold ${threshold}, cool-down ${cooldown} s`);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const server = controllerServer(controller);
  await new Promise<void>((resolve) => server.listen(listen.port, listen.host, resolve));
  controller.start();
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  server.close();
  await controller.stop();
  return 0;
}

main().then((code) => process.exit(code));
