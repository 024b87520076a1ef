/**
 * A drill that throws fails its own scenarios and takes its servers with it; the next drill runs on
 * a fresh supervisor (no process of the failed one left, a new directory), so one failure neither
 * masks nor skews the scenarios after it. Real processes, started and stopped by PID.
 */
import * as fs from "node:fs";
import { runDrills, type DrillDefinition } from "../../drills/run";
import type { DrillContext } from "../../drills/context";
import type { ScenarioResult } from "../../drills/types";
import { judgedResult } from "../../drills/verdict";
import { isAlive } from "../../testbed/runtime/procfs";
import { loadDrillStack } from "../../testbed/stack";

/** A scenario that measures nothing and passes: what the drill after a failed one reports here. */
const passed = (id: string): ScenarioResult =>
  judgedResult({ id, store: "redis", description: "stand-in", target: { source: "test" }, predicted: { mechanism: "test", source: "test" }, measured: {} }, { targetMet: true, agreesWithPrediction: true, ok: true, notes: [] }, Date.now());

test("a throwing drill fails only its scenarios, its servers stop, and the next drill starts on a fresh supervisor", async () => {
  let stuckPid = 0;
  let firstDir = "";
  let seenByNext: { fresh: boolean; stuckAlive: boolean } | undefined;
  const drills: DrillDefinition[] = [
    {
      ids: ["throws-a", "throws-b"],
      store: "redis",
      run: async (ctx: DrillContext) => {
        firstDir = ctx.sup.dir;
        stuckPid = (await ctx.sup.start("stuck", "sleep", ["300"])).pid;
        throw new Error("the fault never healed");
      },
    },
    {
      ids: ["runs-after"],
      store: "redis",
      run: async (ctx: DrillContext) => {
        seenByNext = { fresh: ctx.sup.dir !== firstDir, stuckAlive: isAlive(stuckPid) };
        await ctx.sup.start("next", "sleep", ["300"]);
        return [passed("runs-after")];
      },
    },
  ];
  const phases: string[] = [];
  const run = await runDrills(loadDrillStack("prod"), { drills, onProgress: (s, p) => phases.push(`${s}: ${p}`) });
  expect(run.scenarios.map((r) => [r.id, r.ok, r.error ?? null])).toEqual([
    ["throws-a", false, "the fault never healed"],
    ["throws-b", false, "the fault never healed"],
    ["runs-after", true, null],
  ]);
  expect(stuckPid).toBeGreaterThan(0);
  expect(seenByNext).toEqual({ fresh: true, stuckAlive: false });
  // The failed drill's directory is kept for its logs, and named in the progress.
  expect(fs.existsSync(firstDir)).toBe(true);
  expect(phases.some((p) => p.includes(firstDir))).toBe(true);
  fs.rmSync(firstDir, { recursive: true, force: true });
}, 60_000);
