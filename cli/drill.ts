import { Command } from "commander";
import { ConfigError } from "../dr/targets";
import { toJson } from "../drills/report/markdown";
import { writeReport } from "../drills/report/write";
import { runDrills, SCENARIO_IDS, selectDrills } from "../drills/run";
import { loadDrillStack, StackNotFoundError } from "../testbed/stack";
import { fmt } from "../drills/verdict";
import { withStackOptions } from "./stack-options";

const program = withStackOptions(
  new Command().name("drill").description("Run DR drills on real local servers (Patroni + PostgreSQL 15 + etcd + s3rver, Redis + Sentinel) with the stack's settings; measure RTO and RPO."),
  "stack whose derived settings are drilled",
  "prod",
)
  .option("--scenario <ids>", `comma-separated scenario ids (default: all): ${SCENARIO_IDS.join(", ")}`)
  .option("--json", "print the results as JSON on stdout")
  .option("--report <file>", "write a Markdown report with a timeline chart per scenario")
  .option("--keep", "keep the temp directory with logs and data")
  .parse();

const opts = program.opts<{ stack: string; configFile?: string; scenario?: string; json?: boolean; report?: string; keep?: boolean }>();

async function main(): Promise<number> {
  const t0 = Date.now();
  let stack;
  const scenarios = opts.scenario ? opts.scenario.split(",").map((s) => s.trim()).filter(Boolean) : undefined;
  try {
    stack = loadDrillStack(opts.stack, opts.configFile);
    selectDrills(scenarios);
  } catch (e) {
    const err = e as Error;
    process.stderr.write(`${err.message}\n`);
    return err instanceof ConfigError || err instanceof StackNotFoundError || err.message.startsWith("--scenario") ? 2 : 3;
  }
  const stamp = () => `[drill ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s]`;
  let run;
  try {
    run = await runDrills(stack, { scenarios, keepDir: opts.keep, onProgress: (s, p) => process.stderr.write(`${stamp()} ${s}: ${p}\n`) });
  } catch (e) {
    process.stderr.write(`${stamp()} drill failed: ${(e as Error).stack ?? e}\n`);
    return 3;
  }
  if (opts.report) {
    await writeReport(run, opts.report);
    process.stderr.write(`${stamp()} report written to ${opts.report}\n`);
  }
  if (opts.json) {
    process.stdout.write(toJson(run) + "\n");
  } else {
    for (const r of run.scenarios) {
      const m = r.measured;
      const parts = [
        m.rtoSeconds !== undefined ? `RTO ${fmt(m.rtoSeconds)} s (target ${fmt(r.target.rtoSeconds)}, predicted ${fmt(r.predicted.rtoSeconds)})` : "",
        m.lostAcknowledgedWrites !== undefined ? `lost acked ${m.lostAcknowledgedWrites} of ${m.acknowledgedWrites}` : "",
        m.archiveLagSeconds !== undefined ? `archive lag ${fmt(m.archiveLagSeconds)} s, segments lost ${m.walSegmentsLost}` : "",
        m.restoreMBps !== undefined ? `restore ${fmt(m.restoreMBps)} MiB/s, before-target rows ${m.rowsBeforeTargetPresent ? "present" : "MISSING"}, after-target rows ${m.rowsAfterTargetAbsent ? "absent" : "PRESENT"}` : "",
        m.restoreVerified !== undefined ? `restore verified ${m.restoreVerified}` : "",
      ].filter(Boolean);
      process.stdout.write(`${r.ok ? "PASS" : "FAIL"} ${r.id}${r.expectedUnsafe ? " (unsafe config: target not met, loss as predicted)" : ""}: ${parts.join("; ")}${r.notes.length ? ` - ${r.notes.join("; ")}` : ""}\n`);
    }
  }
  return run.scenarios.every((r) => r.ok) ? 0 : 1;
}

main().then((code) => process.exit(code));
