import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  ActionSet,
  FileJournal,
  MemoryJournal,
  readJournal,
  RunbookDefinitionError,
  RunEvent,
  Runbook,
  rtoFromJournal,
  runRunbook,
  StepSpec,
} from "../../runbooks/engine";

const fast = { initialMs: 20, factor: 2, maxMs: 200 };

function step(name: string, over: Partial<StepSpec> = {}): StepSpec {
  return { name, description: name, action: "set", params: { key: name }, timeoutSeconds: 2, retries: 0, backoff: fast, ...over };
}

/** A small world whose state the actions change, so effects and their reversal can be observed. */
function world() {
  const state = new Set<string>();
  const calls: string[] = [];
  const failures = new Map<string, number>();
  const actions: ActionSet = {
    set: {
      describe: (p) => `set ${p.key}`,
      holds: async (p) => state.has(String(p.key)),
      run: async (p) => {
        const key = String(p.key);
        calls.push(`set:${key}`);
        const left = failures.get(key) ?? 0;
        if (left > 0) {
          failures.set(key, left - 1);
          throw new Error(`${key} refused`);
        }
        state.add(key);
        return `${key} set`;
      },
    },
    unset: {
      describe: (p) => `unset ${p.key}`,
      run: async (p) => {
        calls.push(`unset:${p.key}`);
        state.delete(String(p.key));
        return `${p.key} unset`;
      },
    },
    sleep: {
      describe: (p) => `sleep ${p.ms} ms`,
      run: async (p, ctx) => {
        calls.push("sleep");
        await ctx.sleep(Number(p.ms));
        return "slept";
      },
    },
    hang: {
      describe: () => "ignore the abort signal and never finish",
      run: () => new Promise<string>(() => undefined),
    },
    check: {
      describe: (p) => `check ${p.key} is set`,
      run: async (p) => {
        if (!state.has(String(p.key))) throw new Error(`${p.key} is not set`);
        return `${p.key} present`;
      },
    },
  };
  return { state, calls, failures, actions };
}

const book = (steps: StepSpec[]): Runbook => ({ name: "test-book", title: "t", summary: "s", component: "c", steps });

describe("runbook engine", () => {
  test("a step that runs past its timeout fails with outcome timeout, honouring or ignoring the signal", async () => {
    for (const action of ["sleep", "hang"]) {
      const w = world();
      const j = new MemoryJournal();
      const t0 = Date.now();
      const r = await runRunbook(book([step("slow", { action, params: { ms: 5000 }, timeoutSeconds: 0.15 })]), { actions: w.actions, journal: j });
      const elapsed = Date.now() - t0;
      expect(r.ok).toBe(false);
      expect(r.failedStep).toBe("slow");
      expect(r.steps[0].outcome).toBe("timeout");
      expect(r.error).toMatch(/timed out after 0.15s/);
      expect(elapsed).toBeGreaterThanOrEqual(140);
      expect(elapsed).toBeLessThan(1500);
      expect(j.entries.filter((e) => e.phase === "step").map((e) => e.outcome)).toEqual(["timeout"]);
    }
  });

  test("retries with exponential backoff until the step succeeds", async () => {
    const w = world();
    w.failures.set("flaky", 2);
    const j = new MemoryJournal();
    const r = await runRunbook(book([step("flaky", { retries: 3, backoff: { initialMs: 60, factor: 2, maxMs: 1000 } })]), { actions: w.actions, journal: j });
    expect(r.ok).toBe(true);
    expect(r.steps[0]).toMatchObject({ outcome: "ok", attempts: 3 });
    const attempts = j.entries.filter((e) => e.step === "flaky");
    expect(attempts.map((e) => [e.attempt, e.outcome])).toEqual([[1, "failed"], [2, "failed"], [3, "ok"]]);
    // Gaps between attempts follow the backoff: 60 ms, then 120 ms.
    const gap = (a: number, b: number) => Date.parse(attempts[b].start) - Date.parse(attempts[a].end);
    expect(gap(0, 1)).toBeGreaterThanOrEqual(55);
    expect(gap(1, 2)).toBeGreaterThanOrEqual(115);
  });

  test("gives up after 1 + retries attempts", async () => {
    const w = world();
    w.failures.set("broken", 10);
    const r = await runRunbook(book([step("broken", { retries: 2 })]), { actions: w.actions });
    expect(r.ok).toBe(false);
    expect(r.steps[0]).toMatchObject({ outcome: "failed", attempts: 3 });
    expect(w.calls.filter((c) => c === "set:broken")).toHaveLength(3);
  });

  test("a failing step rolls back the completed steps in reverse order, and only those", async () => {
    const w = world();
    w.failures.set("d", 5);
    const undo = (key: string) => ({ action: "unset", params: { key } });
    const r = await runRunbook(
      book([step("a", { rollback: undo("a") }), step("b"), step("c", { rollback: undo("c") }), step("d", { rollback: undo("d") }), step("e", { rollback: undo("e") })]),
      { actions: w.actions },
    );
    expect(r.ok).toBe(false);
    expect(r.failedStep).toBe("d");
    expect(r.rolledBack.map((x) => [x.name, x.outcome])).toEqual([["c", "rolled-back"], ["a", "rolled-back"]]);
    expect(w.calls.filter((c) => c.startsWith("unset"))).toEqual(["unset:c", "unset:a"]);
    expect([...w.state]).toEqual(["b"]);
    expect(w.calls).not.toContain("set:e");
  });

  test("a failed verification fails the attempt", async () => {
    const w = world();
    const r = await runRunbook(book([step("x", { verify: { action: "check", params: { key: "other" } } })]), { actions: w.actions });
    expect(r.ok).toBe(false);
    expect(r.error).toBe("other is not set");
  });

  test("a re-run after a partial run skips what already holds and finishes the rest", async () => {
    const w = world();
    w.failures.set("third", 1);
    const rb = book([step("first"), step("second"), step("third"), step("fourth")]);
    const j = new MemoryJournal();
    const first = await runRunbook(rb, { actions: w.actions, journal: j });
    expect(first.ok).toBe(false);
    expect([...w.state].sort()).toEqual(["first", "second"]);

    const second = await runRunbook(rb, { actions: w.actions, journal: j });
    expect(second.ok).toBe(true);
    expect(second.steps.map((s) => s.outcome)).toEqual(["skipped", "skipped", "ok", "ok"]);
    // Each effect was applied exactly once across both runs.
    expect(w.calls.filter((c) => c === "set:first")).toHaveLength(1);
    expect(w.calls.filter((c) => c === "set:second")).toHaveLength(1);
    expect([...w.state].sort()).toEqual(["first", "fourth", "second", "third"]);
    // A third run changes nothing.
    const third = await runRunbook(rb, { actions: w.actions });
    expect(third.steps.every((s) => s.outcome === "skipped")).toBe(true);
  });

  test("dry-run describes every step and executes nothing", async () => {
    const w = world();
    const lines: string[] = [];
    const r = await runRunbook(book([step("a", { rollback: { action: "unset", params: { key: "a" } }, verify: { action: "check", params: { key: "a" } } }), step("b")]), {
      actions: w.actions,
      dryRun: true,
      log: (l) => lines.push(l),
    });
    expect(r.ok).toBe(true);
    expect(w.calls).toEqual([]);
    expect(w.state.size).toBe(0);
    expect(r.plan[0]).toBe("1. a: set a [timeout 2s, 0 retries]; verify: check a is set; rollback: unset a");
    expect(lines).toEqual(r.plan);
  });

  test("the journal has one JSON line per attempt and rollback, and the run's RTO can be read off it", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-journal-"));
    try {
      const file = path.join(dir, "journal.jsonl");
      const w = world();
      w.failures.set("b", 1);
      const r = await runRunbook(
        book([step("a", { action: "sleep", params: { ms: 100 } }), step("b", { retries: 1, rollback: { action: "unset", params: { key: "b" } } }), step("c", { action: "hang", timeoutSeconds: 0.1 })]),
        { actions: w.actions, journal: new FileJournal(file) },
      );
      const lines = fs.readFileSync(file, "utf8").trim().split("\n");
      const entries = readJournal(file);
      expect(lines).toHaveLength(entries.length);
      expect(entries.map((e) => [e.step, e.phase, e.attempt ?? null, e.outcome])).toEqual([
        ["a", "step", 1, "ok"],
        ["b", "step", 1, "failed"],
        ["b", "step", 2, "ok"],
        ["c", "step", 1, "timeout"],
        ["b", "rollback", 1, "rolled-back"],
        ["(run)", "run", null, "failed"],
      ]);
      for (const e of entries) {
        expect(e.runId).toBe(r.runId);
        expect(e.runbook).toBe("test-book");
        expect(Date.parse(e.end)).toBeGreaterThanOrEqual(Date.parse(e.start));
        expect(typeof e.output).toBe("string");
      }
      expect(entries[0].output).toBe("slept");
      expect(Date.parse(entries[0].end) - Date.parse(entries[0].start)).toBeGreaterThanOrEqual(95);
      const rto = rtoFromJournal(entries);
      expect(rto).toBeGreaterThanOrEqual(0.2);
      expect(Math.abs(rto - r.rtoSeconds)).toBeLessThan(0.01);
      expect(entries[entries.length - 1].rtoSeconds).toBe(r.rtoSeconds);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("events: run-start, step failures with willRetry, rollback, run-end", async () => {
    const w = world();
    w.failures.set("b", 9);
    const events: RunEvent[] = [];
    await runRunbook(book([step("a", { rollback: { action: "unset", params: { key: "a" } } }), step("b", { retries: 1, backoff: { initialMs: 1, factor: 1, maxMs: 1 } })]), {
      actions: w.actions,
      onEvent: (e) => {
        events.push(e);
        if (e.type === "step-start") throw new Error("alert sink down");
      },
    });
    expect(events.map((e) => e.type)).toEqual(["run-start", "step-start", "step-end", "step-start", "step-failed", "step-start", "step-failed", "step-end", "rollback", "run-end"]);
    expect(events.filter((e) => e.type === "step-failed").map((e) => (e as any).willRetry)).toEqual([true, false]);
    expect(events[events.length - 1]).toMatchObject({ ok: false, failedStep: "b" });
  });

  test("an unknown action is refused before anything runs, naming the step and the choices", async () => {
    const w = world();
    await expect(runRunbook(book([step("a"), step("b", { action: "sett" })]), { actions: w.actions })).rejects.toThrow(RunbookDefinitionError);
    await expect(runRunbook(book([step("a"), step("b", { action: "sett" })]), { actions: w.actions })).rejects.toThrow(/steps\[1\] \(b\)\.action: "sett": expected one of check, hang, set, sleep, unset/);
    expect(w.calls).toEqual([]);
  });

  test("cancelling a run aborts the current attempt and rolls back", async () => {
    const w = world();
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("operator cancelled")), 80);
    const r = await runRunbook(book([step("a", { rollback: { action: "unset", params: { key: "a" } } }), step("wait", { action: "sleep", params: { ms: 5000 }, retries: 3 })]), {
      actions: w.actions,
      signal: ac.signal,
    });
    expect(r.ok).toBe(false);
    expect(r.error).toBe("operator cancelled");
    expect(r.steps[1].outcome).toBe("failed");
    expect(r.rolledBack.map((x) => x.name)).toEqual(["a"]);
    expect(w.state.size).toBe(0);
  });
});
