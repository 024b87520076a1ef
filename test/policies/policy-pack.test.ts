/**
 * The pack as Pulumi loads it. The CLI starts a Node policy pack through the `pulumi-analyzer-policy`
 * plugin, which runs `node <pack>/node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine> <pack>`
 * in the pack's directory (ts-node compiles and type-checks the TypeScript); the pack prints the
 * port of its Analyzer gRPC server. This test does exactly that, then acts as the engine: it calls
 * GetAnalyzerInfo, Configure (schema defaults filled as the CLI does), Analyze for every captured
 * resource and AnalyzeStack with all of them, for staging and prod as shipped and for mutated copies.
 * Wall time: about 20-40 s, most of it ts-node type-checking the pack at start.
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import type { CapturedResource } from "../../offline/capture";
import { evaluatePack, PACK_DIR, PolicyMetadata, readPackConfig, reconcilePackConfig, ReconciledPolicyConfig, Violation } from "../../offline/violations";
import { policies as packPolicies } from "../../policies/pack";
import { runStack } from "../harness/offline";

// The engine's side of the protocol, from the same modules the policy runtime uses.
const protoDir = path.dirname(require.resolve("@pulumi/pulumi/proto/analyzer_pb"));
const fromProto = (m: string) => require(require.resolve(m, { paths: [protoDir] }));
const pb = require("@pulumi/pulumi/proto/analyzer_pb");
const rpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const grpc = fromProto("@grpc/grpc-js");
const { Struct } = fromProto("google-protobuf/google/protobuf/struct_pb");

const LEVEL_NAMES: Record<number, string> = { 0: "advisory", 1: "mandatory", 2: "disabled", 3: "remediate" };
const LEVEL_CODES: Record<string, number> = { advisory: 0, mandatory: 1, disabled: 2, remediate: 3 };

let pack: ChildProcess | undefined;
let client: any;
let stderr = "";
const stacks: Record<string, CapturedResource[]> = {};

function call<T>(method: string, request: unknown): Promise<T> {
  return new Promise((resolve, reject) => client[method](request, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));
}

/** JSON-clean a value for a protobuf Struct (no undefined). */
const struct = (v: unknown) => Struct.fromJavaScript(JSON.parse(JSON.stringify(v ?? {})));

function providerOf(r: CapturedResource, all: CapturedResource[]) {
  if (!r.provider) return undefined;
  const urn = r.provider.split("::").slice(0, -1).join("::");
  const p = all.find((x) => x.urn === urn);
  if (!p) return undefined;
  return new pb.AnalyzerProviderResource().setType(p.type).setProperties(struct(p.inputs)).setUrn(p.urn).setName(p.name);
}

function options(r: CapturedResource) {
  const o = new pb.AnalyzerResourceOptions().setProtect(false);
  if (r.parent) o.setParent(r.parent);
  return o;
}

interface Diagnostic {
  policy: string;
  level: string;
  urn: string;
  message: string;
}

function diagnostics(res: any): Diagnostic[] {
  return res.getDiagnosticsList().map((d: any) => ({ policy: d.getPolicyname(), level: LEVEL_NAMES[d.getEnforcementlevel()], urn: d.getUrn(), message: d.getMessage() }));
}

/** What the CLI sends in Configure: the reconciled config of every policy (levels, schema defaults, file overlay). */
async function configure(raw: Record<string, unknown>): Promise<Record<string, ReconciledPolicyConfig>> {
  const info = await call<any>("getAnalyzerInfo", new (rpc.AnalyzerService.getAnalyzerInfo.requestType)());
  const metadata: PolicyMetadata[] = info.getPoliciesList().map((p: any) => ({
    name: p.getName(),
    enforcementLevel: LEVEL_NAMES[p.getEnforcementlevel()],
    ...(p.getConfigschema() ? { configSchema: { properties: p.getConfigschema().getProperties()?.toJavaScript() ?? {}, required: p.getConfigschema().getRequiredList() } } : {}),
  }));
  const reconciled = reconcilePackConfig(metadata, raw);
  const req = new pb.ConfigureAnalyzerRequest();
  for (const [name, c] of Object.entries(reconciled)) {
    req.getPolicyconfigMap().set(name, new pb.PolicyConfig().setEnforcementlevel(LEVEL_CODES[c.enforcementLevel]).setProperties(struct(c.properties)));
  }
  await call("configure", req);
  return reconciled;
}

/** A preview as the engine runs the analyzer: Analyze for each resource (inputs), then AnalyzeStack (all resources). */
async function preview(resources: CapturedResource[]): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const r of resources) {
    const req = new pb.AnalyzeRequest().setType(r.type).setProperties(struct(r.inputs)).setUrn(r.urn).setName(r.name).setOptions(options(r));
    const provider = providerOf(r, resources);
    if (provider) req.setProvider(provider);
    out.push(...diagnostics(await call("analyze", req)));
  }
  const stackReq = new pb.AnalyzeStackRequest().setResourcesList(
    resources.map((r) => {
      const a = new pb.AnalyzerResource().setType(r.type).setProperties(struct(r.inputs)).setUrn(r.urn).setName(r.name).setOptions(options(r));
      if (r.parent) a.setParent(r.parent);
      const provider = providerOf(r, resources);
      if (provider) a.setProvider(provider);
      return a;
    }),
  );
  out.push(...diagnostics(await call("analyzeStack", stackReq)));
  return out;
}

const mandatory = (ds: Diagnostic[]) => ds.filter((d) => d.level === "mandatory");
const show = (ds: Array<{ policy: string; message: string }>) => ds.map((d) => `${d.policy}: ${d.message}`).join("\n");

function find(resources: CapturedResource[], pred: (r: CapturedResource) => boolean, what: string): CapturedResource {
  const r = resources.find(pred);
  if (!r) throw new Error(`the captured prod stack has no ${what}; its tier has not landed`);
  return r;
}

/** A deep copy of the prod resources with one changed. */
function mutated(edit: (rs: CapturedResource[]) => void): CapturedResource[] {
  const copy = structuredClone(stacks.prod);
  edit(copy);
  return copy;
}

beforeAll(async () => {
  stacks.staging = (await runStack("staging")).resources;
  stacks.prod = (await runStack("prod")).resources;
  // As the pulumi-analyzer-policy plugin does: the pack's directory is the working directory.
  const entry = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [PACK_DIR] });
  pack = spawn(process.execPath, [entry, "127.0.0.1:0", "."], { cwd: PACK_DIR, stdio: ["ignore", "pipe", "pipe"] });
  pack.stderr!.on("data", (d) => (stderr += d));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`the pack printed no port within 150 s; stderr:\n${stderr}`)), 150_000);
    pack!.stdout!.on("data", (d) => {
      out += d;
      const m = /^(\d+)\s*$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    pack!.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the pack exited with ${code} before printing its port; stderr:\n${stderr}`));
    });
  });
  client = new rpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 240_000);

afterAll(() => {
  client?.close();
  if (pack?.pid !== undefined && pack.exitCode === null) process.kill(pack.pid, "SIGTERM");
});

describe("the pack served over gRPC, as the CLI runs it", () => {
  it("GetAnalyzerInfo names the pack, its version from package.json and every policy with its config schema", async () => {
    const info = await call<any>("getAnalyzerInfo", new (rpc.AnalyzerService.getAnalyzerInfo.requestType)());
    expect(info.getName()).toBe("agent-dr-policies");
    expect(info.getVersion()).toBe(require("../../policies/package.json").version);
    expect(info.getSupportsconfig()).toBe(true);
    const names = info.getPoliciesList().map((p: any) => p.getName());
    expect(names.sort()).toEqual(packPolicies.map((p) => p.name).sort());
    const rt = info.getPoliciesList().find((p: any) => p.getName() === "recovery-targets");
    expect(LEVEL_NAMES[rt.getEnforcementlevel()]).toBe("mandatory");
    expect(rt.getConfigschema().getProperties().toJavaScript().scenarios.default).toEqual(["instance-loss", "zone-loss", "region-loss", "logical-corruption", "credential-compromise", "llm-provider-outage"]);
  });

  it.each(["staging", "prod"])("%s as shipped: no mandatory violation, and the offline plan reports exactly what the server does", async (stack) => {
    await configure(readPackConfig(stack));
    const served = await preview(stacks[stack]);
    expect(show(mandatory(served))).toBe("");
    const offline: Violation[] = await evaluatePack(stack, stacks[stack]);
    const key = (d: { policy: string; level: string; message: string }) => `${d.level} ${d.policy} ${d.message}`;
    // The runtime prefixes each message with the policy's description.
    const desc = Object.fromEntries(packPolicies.map((p) => [p.name, p.description]));
    expect(served.map((d) => key({ ...d, message: d.message.replace(`${desc[d.policy]}\n`, "") })).sort()).toEqual(offline.map(key).sort());
  });

  describe("mutated prod resources", () => {
    beforeAll(async () => {
      await configure(readPackConfig("prod"));
    });

    it("archive_timeout 1800 on the postgresql resource: the archiving policy and the budget both fire", async () => {
      const ds = await preview(
        mutated((rs) => {
          const cr = find(rs, (r) => r.type === "kubernetes:acid.zalan.do/v1:postgresql" && !r.inputs.spec?.standby, "primary postgresql resource");
          cr.inputs.spec.postgresql.parameters.archive_timeout = "1800";
        }),
      );
      expect(ds).toContainEqual(expect.objectContaining({ policy: "postgres-wal-archiving", level: "mandatory", message: expect.stringMatching(/archive_timeout 30m \+ upload 5s > RPO/) }));
      expect(ds).toContainEqual(expect.objectContaining({ policy: "recovery-targets", level: "mandatory", message: expect.stringMatching(/logical-corruption.*archive_timeout 1800 s/) }));
    });

    it("appendonly no in redis.conf: the persistence policy fires", async () => {
      const ds = await preview(
        mutated((rs) => {
          for (const cm of rs.filter((r) => r.type === "kubernetes:core/v1:ConfigMap" && typeof r.inputs.data?.["redis.conf"] === "string")) {
            cm.inputs.data["redis.conf"] = cm.inputs.data["redis.conf"].replace(/^appendonly yes$/m, "appendonly no");
          }
        }),
      );
      expect(ds).toContainEqual(expect.objectContaining({ policy: "redis-persistence", level: "mandatory", message: expect.stringMatching(/appendonly is off/) }));
    });

    it("a bucket without versioning: the protection policy fires on that bucket", async () => {
      let bucketUrn = "";
      const ds = await preview(
        mutated((rs) => {
          const v = find(rs, (r) => r.type === "aws:s3/bucketVersioning:BucketVersioning", "BucketVersioning");
          bucketUrn = find(rs, (r) => r.type === "aws:s3/bucket:Bucket" && r.inputs.bucket === v.inputs.bucket, "versioned bucket").urn;
          rs.splice(rs.indexOf(v), 1);
        }),
      );
      expect(ds).toContainEqual(expect.objectContaining({ policy: "bucket-protection", level: "mandatory", urn: bucketUrn, message: expect.stringMatching(/lacks versioning/) }));
    });

    it("a PRIMARY failover record without its health check: the Route53 policy fires", async () => {
      const ds = await preview(
        mutated((rs) => {
          const rec = find(rs, (r) => r.type === "aws:route53/record:Record" && r.inputs.failoverRoutingPolicies?.[0]?.type === "PRIMARY", "PRIMARY record");
          delete rec.inputs.healthCheckId;
        }),
      );
      expect(ds).toContainEqual(expect.objectContaining({ policy: "failover-health-check", level: "mandatory", message: expect.stringMatching(/has no healthCheckId/) }));
    });

    it("a logical backup CronJob that allows concurrent runs: the backup policy fires", async () => {
      const ds = await preview(
        mutated((rs) => {
          const job = find(rs, (r) => r.type === "kubernetes:batch/v1:CronJob" && r.inputs.metadata?.labels?.["agent-dr/job"] === "logical-backup", "logical backup CronJob");
          job.inputs.spec.concurrencyPolicy = "Allow";
        }),
      );
      expect(ds).toContainEqual(expect.objectContaining({ policy: "backup-cronjob", level: "mandatory", message: expect.stringMatching(/concurrencyPolicy is "Allow"/) }));
    });

    it("the enforcement level comes from the pack config: advisory, then disabled", async () => {
      const noVersioning = mutated((rs) => {
        const v = find(rs, (r) => r.type === "aws:s3/bucketVersioning:BucketVersioning", "BucketVersioning");
        rs.splice(rs.indexOf(v), 1);
      });
      await configure({ ...readPackConfig("prod"), "bucket-protection": "advisory" });
      expect((await preview(noVersioning)).filter((d) => d.policy === "bucket-protection").map((d) => d.level)).toEqual(["advisory"]);
      await configure({ ...readPackConfig("prod"), "bucket-protection": "disabled" });
      expect((await preview(noVersioning)).filter((d) => d.policy === "bucket-protection")).toEqual([]);
      await configure(readPackConfig("prod"));
    });
  });
});
