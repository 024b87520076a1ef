import { parseStackConfig } from "../../../dr/targets";
import { resourceUrn as urnOf, runStackPolicy } from "../../harness/policy-run";
import { pgClasses, annotated, postgresCr, bucketSet, primaryNamespace } from "../fixtures";

describe("recovery-targets", () => {
  it("reports every class x scenario of a tier that is not deployed, naming the mechanism and the fix", async () => {
    // Targets declared (on the namespace here) but no postgresql resource: the budget calls the classes unprotected.
    const ns = primaryNamespace();
    ns.inputs.metadata.annotations = { ...ns.inputs.metadata.annotations, ...annotated(pgClasses.slice(0, 1)) };
    const { messages, urns } = await runStackPolicy("recovery-targets", [ns]);
    expect(messages).toHaveLength(5);
    expect(messages[0]).toMatch(/^conversation_history \/ instance-loss: target RPO 60s, RTO 15m; predicted RPO unbounded, RTO unbounded\. RPO unbounded > 60s: unprotected: no PostgreSQL tier is deployed\. Fix: enable the PostgreSQL tier/);
    expect(urns[0]).toBe(urnOf(ns));
  });
  it("holds a class whose declared targets accept total loss", async () => {
    const ns = primaryNamespace();
    const accepting = parseStackConfig(
      { regions: { primary: "us-east-1" }, dataClasses: { scratch: { store: "redis", rpo: "unbounded", rto: "unbounded" }, session_state: { enabled: false } } },
      "staging",
    ).dataClasses.filter((c) => c.name === "scratch");
    ns.inputs.metadata.annotations = { ...ns.inputs.metadata.annotations, ...annotated(accepting) };
    expect((await runStackPolicy("recovery-targets", [ns])).messages).toEqual([]);
  });
  it("only evaluates the configured scenarios", async () => {
    const ns = primaryNamespace();
    ns.inputs.metadata.annotations = { ...ns.inputs.metadata.annotations, ...annotated(pgClasses.slice(0, 1)) };
    expect((await runStackPolicy("recovery-targets", [ns], { scenarios: ["region-loss"] })).messages).toHaveLength(1);
  });
  it("is not applicable to a stack that declares no targets", async () => {
    expect((await runStackPolicy("recovery-targets", [bucketSet("b", "us-east-1")[0]])).notApplicable).toBe(true);
  });
  it("refuses to guess when the planning annotation is missing", async () => {
    await expect(runStackPolicy("recovery-targets", [postgresCr()])).rejects.toThrow(/agent-dr\/planning annotation/);
  });
});
