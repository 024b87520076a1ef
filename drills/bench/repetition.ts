/**
 * One repetition of one drill in one configuration, in a process of its own (started by
 * drills/bench/runner.ts): its own temp directory (TMPDIR), its own servers, stopped by PID when
 * the drill ends, fails or is interrupted (the supervisor's hooks), and nothing of it - timers,
 * connections, write loads - can outlive the process into the next repetition.
 *
 * argv[2]: JSON of RepetitionTask. Writes RepetitionOutcome as JSON to task.resultFile.
 */
import * as fs from "node:fs";
import { runDrills } from "../run";
import { loadDrillStack } from "../../testbed/stack";
import type { ScenarioResult } from "../types";
import { configure, type ConfigName } from "./configs";

export interface RepetitionTask {
  stack: string;
  config: ConfigName;
  /** The scenario ids of one drill to report. */
  scenarios: string[];
  resultFile: string;
  /**
   * Test hook (AGENT_DR_BENCH_INJECT_FAILURE): throw once the drill has reported its results,
   * while its servers are still up, so the failure path - teardown, recording, going on - runs
   * against real servers.
   */
  injectFailure?: string;
}

export type RepetitionOutcome = { results: Omit<ScenarioResult, "timeline">[] } | { error: string };

async function main(): Promise<number> {
  const task = JSON.parse(process.argv[2] ?? "{}") as RepetitionTask;
  const write = (o: RepetitionOutcome) => fs.writeFileSync(task.resultFile, JSON.stringify(o, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v)));
  let injected = false;
  try {
    const stack = configure(loadDrillStack(task.stack), task.config);
    const run = await runDrills(stack, {
      scenarios: task.scenarios,
      // The bench removes the whole temp directory after copying a failed repetition's logs.
      keepDir: true,
      onProgress: (s, p) => {
        process.stderr.write(`${s}: ${p}\n`);
        if (task.injectFailure && !injected && (p === "ok" || p.startsWith("FAILED"))) {
          injected = true;
          throw new Error(`injected failure: ${task.injectFailure} (thrown after the drill ran, with its servers up)`);
        }
      },
    });
    // A drill that threw measured nothing: the repetition failed, with its error (the bench keeps its logs).
    const unfinished = run.scenarios.find((r) => r.error !== undefined);
    if (unfinished) {
      write({ error: unfinished.error as string });
      return 1;
    }
    write({ results: run.scenarios.map(({ timeline: _t, ...r }) => r) });
    return 0;
  } catch (e) {
    write({ error: (e as Error).message ?? String(e) });
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`repetition failed: ${(e as Error).stack ?? e}\n`);
    process.exit(3);
  },
);
