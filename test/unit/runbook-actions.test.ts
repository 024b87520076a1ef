import { actionsFor } from "../../runbooks/actions";
import type { DrExecutor, EndpointState } from "../../runbooks/executors/types";

// The split-brain guard's decision when the primary cluster is out of reach (the controller runs
// in the DR region). Route53 can not run here, so the executor answers from a table.
function executorWith(endpoint: EndpointState | Error): DrExecutor {
  return {
    kind: "kubernetes",
    postgresStatus: async () => {
      throw new Error("no Kubernetes access to the primary region's cluster");
    },
    endpointState: async () => {
      if (endpoint instanceof Error) throw endpoint;
      return endpoint;
    },
  } as unknown as DrExecutor;
}

const ctx = { signal: AbortSignal.timeout(5000), sleep: async () => undefined };
const params = { region: "primary", cluster: "agent-pg-prod" };

test("out of reach and the primary health check still passes: refuse, pointing at --force", async () => {
  const a = actionsFor(executorWith({ serving: "primary", primaryHealthy: true, drHealthy: true, forced: false }));
  await expect(a["postgres.assertPrimaryLost"].run(params, ctx)).rejects.toThrow(/primary health check still passes; fence the primary region and run with --force/);
});

test("out of reach and the primary health check fails: proceed", async () => {
  const a = actionsFor(executorWith({ serving: "dr", primaryHealthy: false, drHealthy: true, forced: false }));
  await expect(a["postgres.assertPrimaryLost"].run(params, ctx)).resolves.toMatch(/the primary health check fails too/);
});

test("no view at all: refuse; only a human who fenced the primary may --force", async () => {
  const a = actionsFor(executorWith(new Error("no failover endpoint configured")));
  await expect(a["postgres.assertPrimaryLost"].run(params, ctx)).rejects.toThrow(/^no view of agent-pg-prod \(primary region\).*run with --force$/);
});
