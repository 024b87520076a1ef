import { Command } from "commander";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { actionsFor } from "../runbooks/actions";
import { failureAlerts } from "../runbooks/alerts-cli";
import { buildRunbook, checkCloneName, cloneStackCommands, RUNBOOK_NAMES, RunbookArgs, resolveTargetTime } from "../runbooks/definitions";
import { renderAllRunbookDocs } from "../runbooks/docs";
import { FileJournal, Journal, JournalEntry, Runbook, runRunbook } from "../runbooks/engine";
import { chooseExecutor } from "../runbooks/executor-choice";
import { targetsForStack, targetsFromFile } from "./stack-targets";
import type { RunbookTargets } from "../contract/runbooks";
import { withStackOptions } from "./stack-options";

const DOCS_DIR = path.resolve(__dirname, "../docs/runbooks");

const program = withStackOptions(
  new Command().name("runbook").description(`Run a DR runbook (${RUNBOOK_NAMES.join(", ")}), or \`docs\` to generate docs/runbooks/.`),
  "stack whose config names the clusters (kubeconfig contexts)",
  "staging",
)
  .argument("<name>", "runbook name, or docs")
  .option("--dry-run", "print what would be done; execute nothing")
  .option("--local <topology>", "run against the local drill topology described by this JSON file")
  .option("--in-cluster", "service-account access from inside the cluster; targets from RUNBOOK_TARGETS_FILE")
  .option("--journal <file>", "JSON-lines journal to append to ('-' for stdout)", path.join(os.homedir(), ".agent-dr", "journal.jsonl"))
  .option("--target-time <time>", "restore-point-in-time: ISO-8601 with a timezone, or now-<n>m / now-<n>h")
  .option("--cleanup", "restore-point-in-time: delete the clone after it proved writable")
  .option("--clone-name <name>", "restore-point-in-time: the clone's name (default <cluster>-pitr-<time>)")
  .option("--candidate <member>", "postgres-switchover: member to promote")
  .option("--planned", "redis-failover: always fail over (default for the CLI)")
  .option("--unplanned", "redis-failover: the controller's mode (only when the primary is not answering)")
  .option("--force", "promote-dr-region: skip the check that the primary region has no writable leader")
  .option("--in-fault-window", "redis-primary-kill: act only inside the window of the scheduled redis-primary-kill fault (the DR test CronJob)")
  .option("--write", "docs: write docs/runbooks/*.md")
  .option("--check", "docs: exit 1 when docs/runbooks/ differs from the definitions")
  .parse();

type Opts = {
  dryRun?: boolean;
  stack: string;
  configFile?: string;
  local?: string;
  inCluster?: boolean;
  journal: string;
  targetTime?: string;
  cleanup?: boolean;
  cloneName?: string;
  candidate?: string;
  planned?: boolean;
  unplanned?: boolean;
  force?: boolean;
  inFaultWindow?: boolean;
  write?: boolean;
  check?: boolean;
};
const opts = program.opts<Opts>();
const [name] = program.args;

function docs(): number {
  const pages = renderAllRunbookDocs();
  if (opts.write) {
    fs.mkdirSync(DOCS_DIR, { recursive: true });
    for (const [file, text] of Object.entries(pages)) fs.writeFileSync(path.join(DOCS_DIR, file), text);
    process.stdout.write(`wrote ${Object.keys(pages).length} pages to ${DOCS_DIR}\n`);
    return 0;
  }
  const stale = Object.entries(pages).filter(([file, text]) => !fs.existsSync(path.join(DOCS_DIR, file)) || fs.readFileSync(path.join(DOCS_DIR, file), "utf8") !== text);
  if (opts.check) {
    for (const [file] of stale) process.stderr.write(`docs/runbooks/${file} differs from its definition; run npm run runbook -- docs --write\n`);
    return stale.length ? 1 : 0;
  }
  for (const text of Object.values(pages)) process.stdout.write(text + "\n");
  return 0;
}

class StdoutJournal implements Journal {
  write(e: JournalEntry): void {
    process.stdout.write(JSON.stringify(e) + "\n");
  }
}

async function run(): Promise<number> {
  let targets: RunbookTargets;
  let args: RunbookArgs;
  let runbook: Runbook;
  try {
    targets = opts.inCluster ? targetsFromFile(process.env.RUNBOOK_TARGETS_FILE ?? "/etc/agent-dr/targets.json") : targetsForStack(opts.stack, opts.configFile);
    args = {
      ...(name === "restore-point-in-time" ? { targetTime: resolveTargetTime(opts.targetTime) } : {}),
      ...(opts.cleanup ? { cleanup: true } : {}),
      ...(opts.cloneName ? { cloneName: checkCloneName(opts.cloneName) } : {}),
      ...(opts.candidate ? { candidate: opts.candidate } : {}),
      planned: !opts.unplanned,
      ...(opts.force ? { force: true } : {}),
      ...(opts.inFaultWindow ? { inFaultWindow: true } : {}),
    };
    runbook = buildRunbook(name, targets, args);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const executor = chooseExecutor(targets, opts);
  const log = (l: string) => process.stderr.write(`${l}\n`);
  try {
    if (args.targetTime) for (const c of cloneStackCommands(targets, args.targetTime)) log(`stack option for the same clone: ${c}`);
    const journal = opts.journal === "-" ? new StdoutJournal() : new FileJournal(path.resolve(opts.journal));
    const ac = new AbortController();
    process.once("SIGINT", () => ac.abort(new Error("interrupted (SIGINT)")));
    process.once("SIGTERM", () => ac.abort(new Error("terminated (SIGTERM)")));
    const result = await runRunbook(runbook, {
      actions: actionsFor(executor),
      journal,
      dryRun: opts.dryRun,
      signal: ac.signal,
      onEvent: failureAlerts(process.env.ALERT_WEBHOOK_URL, runbook.component, log),
      log: opts.dryRun ? (l) => process.stdout.write(`${l}\n`) : log,
    });
    if (!opts.dryRun) {
      for (const s of result.steps) log(`  ${s.outcome.padEnd(8)} ${s.name}${s.attempts > 1 ? ` (${s.attempts} attempts)` : ""}`);
      for (const r of result.rolledBack) log(`  ${r.outcome.padEnd(8)} rollback of ${r.name}`);
      log(`${runbook.name}: ${result.ok ? "completed" : `FAILED at ${result.failedStep}: ${result.error}`} in ${result.rtoSeconds.toFixed(1)} s (run ${result.runId}${opts.journal === "-" ? "" : `, journal ${opts.journal}`})`);
    }
    return result.ok ? 0 : 1;
  } finally {
    await executor.close();
  }
}

async function main(): Promise<number> {
  if (name === "docs") return docs();
  if (!(RUNBOOK_NAMES as readonly string[]).includes(name)) {
    process.stderr.write(`runbook ${JSON.stringify(name)}: expected one of ${RUNBOOK_NAMES.join(", ")}, or docs\n`);
    return 2;
  }
  try {
    return await run();
  } catch (e) {
    process.stderr.write(`runbook ${name} failed: ${(e as Error).message}\n`);
    return 3;
  }
}

main().then((code) => process.exit(code));
