/**
 * The LLM gateway's model, fast and pure: agent-dr:llm validation (errors name the key, never show
 * a key's value), the settings derived from the llm-provider-outage target, the budget row with its
 * mechanism and Fix (applied literally, the row passes), the design floor, the laws the budget must
 * keep (fast-check), the Portkey config the chain renders to and reads back from, and the version
 * pin between the image and the npm package the drill runs.
 */
import fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { renderPortkeyConfig, settingsFromPortkeyConfig } from "../../components/llm-gateway/render/portkey-config";
import { GATEWAY_IMAGE } from "../../components/llm-gateway/render/workloads";
import { computeBudget, maxRequestTimeoutFor } from "../../dr/budget";
import { designFloor } from "../../dr/budget/floors";
import { PORTKEY } from "../../dr/engine-facts";
import { deriveSettings, providerWorstSeconds, REQUIRED_FAILOVER_STATUS_CODES } from "../../dr/settings";
import type { DrSettings, LlmGatewaySettings } from "../../dr/settings";
import { ConfigError, parseStackConfig, rawConfigFrom, StackConfig } from "../../dr/targets";
import { readStackFile, stackFilePath } from "../../offline/stack-files";

const prodRaw = () => rawConfigFrom(readStackFile(stackFilePath("prod")).config) as Record<string, any>;
const SECRET_KEY = "sk-live-do-not-print-0123456789";

function prodWith(llm: (l: any) => void = () => undefined, rto?: string): { config: StackConfig; settings: DrSettings } {
  const raw = prodRaw();
  raw.llm.providers[0].apiKey = SECRET_KEY;
  llm(raw.llm);
  if (rto) raw.dataClasses = { ...(raw.dataClasses ?? {}), agent_responses: { scenarios: { "llm-provider-outage": { rto } } } };
  const config = parseStackConfig(raw, "prod");
  return { config, settings: deriveSettings(config) };
}

const llmRow = (config: StackConfig, settings: DrSettings) => computeBudget(config.dataClasses, settings).rows.find((r) => r.scenario === "llm-provider-outage")!;

function configError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("agent-dr:llm validation", () => {
  test("a bad provider names its key and what is expected, and never shows an API key", () => {
    const raw = prodRaw();
    raw.llm.providers[0].apiKey = SECRET_KEY;
    raw.llm.providers[1].baseUrl = "http://api.mistral.ai/v1";
    raw.llm.providers[1].provider = "skynet";
    raw.llm.providers[0].color = "blue";
    const e = configError(() => parseStackConfig(raw, "prod"));
    const keys = e.problems.map((p) => p.key);
    expect(keys).toEqual(expect.arrayContaining(["agent-dr:llm.providers[1].baseUrl", "agent-dr:llm.providers[1].provider", "agent-dr:llm.providers[0].color"]));
    expect(e.problems.find((p) => p.key.endsWith("baseUrl"))!.expected).toMatch(/expected an https URL/);
    expect(e.message).not.toContain(SECRET_KEY);
  });

  test("two providers with one name, or the same endpoint and model, are refused", () => {
    const raw = prodRaw();
    raw.llm.providers[1] = { ...raw.llm.providers[0] };
    const e = configError(() => parseStackConfig(raw, "prod"));
    expect(e.problems.map((p) => p.key)).toEqual(["agent-dr:llm.providers[1].name", "agent-dr:llm.providers[1].baseUrl"]);
    expect(e.problems[1].expected).toMatch(/fail together, so it is no fallback/);
  });

  test("the class agent_responses exists only with a gateway; declared without one it is an error naming the store", () => {
    const raw = prodRaw();
    delete raw.llm;
    const without = parseStackConfig(raw, "prod");
    expect(without.dataClasses.map((c) => c.name)).not.toContain("agent_responses");
    expect(deriveSettings(without).llm).toBeUndefined();
    raw.dataClasses = { agent_responses: { rto: "20s" } };
    const e = configError(() => parseStackConfig(raw, "prod"));
    expect(e.problems).toEqual([expect.objectContaining({ key: "agent-dr:dataClasses.agent_responses.store", expected: expect.stringMatching(/agent-dr:llm is unset/) })]);
  });

  test("overrides out of range name the key", () => {
    const e = configError(() => prodWith((l) => (l.overrides = { requestTimeoutSeconds: 0.5, retries: 9 })));
    expect(e.problems.map((p) => p.key).sort()).toEqual(["agent-dr:llm.overrides.requestTimeoutSeconds", "agent-dr:llm.overrides.retries"]);
  });
});

describe("settings and budget", () => {
  test("prod: the derived chain fits the 30 s target and names its mechanism", () => {
    const { config, settings } = prodWith();
    expect(settings.llm).toMatchObject({ requestTimeoutSeconds: 5, retries: 1, failoverStatusCodes: [...REQUIRED_FAILOVER_STATUS_CODES], degradedResponse: true, regions: ["us-east-1", "us-west-2"] });
    const row = llmRow(config, settings);
    expect(row).toMatchObject({ dataClass: "agent_responses", store: "llm-gateway", ok: true, predicted: { rpoSeconds: 0, rtoSeconds: 27 } });
    expect(row.rto.mechanism).toMatch(/Portkey fallback chain openai -> mistral -> degraded response: 2 provider\(s\) x \(2 attempt\(s\) x 5 s per-attempt timeout \+ 1 s retry backoff\)/);
    // No other class gets a row for this scenario, and this class gets no data-scenario rows.
    const rows = computeBudget(config.dataClasses, settings).rows;
    expect(rows.filter((r) => r.scenario === "llm-provider-outage")).toHaveLength(1);
    expect(rows.filter((r) => r.dataClass === "agent_responses")).toHaveLength(1);
  });

  test("a failover list without 408 never moves on from a hung provider; the Fix's codes make it pass", () => {
    const { config, settings } = prodWith((l) => (l.failoverStatusCodes = [429, 500, 502, 503, 504]));
    const row = llmRow(config, settings);
    expect(row.ok).toBe(false);
    expect(row.limitedBy).toMatch(/leave out a provider that hangs .*408/);
    const codes = JSON.parse(/e\.g\. (\[[^\]]*\])/.exec(row.rto.fix!)![1]);
    const fixed = prodWith((l) => (l.failoverStatusCodes = codes));
    expect(llmRow(fixed.config, fixed.settings).ok).toBe(true);
  });

  test("without a degraded step the user gets the raw error: unbounded, with a Fix naming llm.degraded", () => {
    const { config, settings } = prodWith((l) => delete l.degraded);
    const row = llmRow(config, settings);
    expect(row.ok).toBe(false);
    expect(row.rto.fix).toMatch(/set llm\.degraded/);
    expect(row.predicted.rpoSeconds).toBe(Infinity);
  });

  test("derivation: for every reachable target and chain length the derived settings meet the target", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.boolean(), fc.integer({ min: 1, max: 900 }), (n, degraded, rto) => {
        const { config, settings } = prodWith((l) => {
          l.providers = Array.from({ length: n }, (_, i) => ({ ...l.providers[0], name: `p${i}`, model: `m${i}` }));
          if (!degraded) delete l.degraded;
        }, `${rto}s`);
        const row = llmRow(config, settings);
        const floor = designFloor(config.dataClasses.find((c) => c.store === "llm-gateway")!, "llm-provider-outage", settings).rto!.seconds;
        if (!degraded) return !row.ok; // no degraded step is a miss whatever the timing
        return rto < floor ? !row.ok && /Unreachable/.test(row.limitedBy) : row.ok;
      }),
      { numRuns: 60 },
    );
  });

  test("laws: a shorter per-attempt timeout or fewer retries never worsens the prediction; no accepted setting beats the floor", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: 600 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }), (t1, t2, r1, r2) => {
        const at = (t: number, r: number) => {
          const { config, settings } = prodWith((l) => (l.overrides = { requestTimeoutSeconds: t, retries: r }));
          return { row: llmRow(config, settings), config, settings };
        };
        const a = at(Math.min(t1, t2), Math.min(r1, r2));
        const b = at(Math.max(t1, t2), Math.max(r1, r2));
        const floor = designFloor(a.config.dataClasses.find((c) => c.store === "llm-gateway")!, "llm-provider-outage", a.settings).rto!.seconds;
        return a.row.predicted.rtoSeconds <= b.row.predicted.rtoSeconds && a.row.predicted.rtoSeconds >= floor;
      }),
      { numRuns: 60 },
    );
  });

  test("the Fix of a timeout that misses the target, applied as written, makes the row pass", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 12, max: 300 }), (t, r, rto) => {
        const { config, settings } = prodWith((l) => (l.overrides = { requestTimeoutSeconds: t, retries: r }), `${rto}s`);
        const row = llmRow(config, settings);
        if (row.ok) return true;
        const fix = row.rto.fix ?? "";
        const overrides: Record<string, number> = { requestTimeoutSeconds: t, retries: r };
        const timeout = /llm\.overrides\.requestTimeoutSeconds to at most (\d+)/.exec(fix);
        if (/llm\.overrides\.retries to 0/.test(fix)) overrides.retries = 0;
        if (timeout) overrides.requestTimeoutSeconds = Number(timeout[1]);
        if (!timeout) return false;
        const fixed = prodWith((l) => (l.overrides = overrides), `${rto}s`);
        return llmRow(fixed.config, fixed.settings).ok;
      }),
      { numRuns: 80 },
    );
  });

  test("the worst case of one provider follows Portkey's retry: attempts x timeout + 1 s, 2 s, 4 s ... of backoff", () => {
    expect(providerWorstSeconds(5, 0)).toBe(5);
    expect(providerWorstSeconds(5, 1)).toBe(11);
    expect(providerWorstSeconds(5, 3)).toBe(4 * 5 + 1 + 2 + 4);
    expect(maxRequestTimeoutFor({ providers: [{}, {}] as any, degradedResponse: true }, 1, 30)).toBe(5);
  });
});

describe("the Portkey config", () => {
  const l: LlmGatewaySettings = prodWith().settings.llm!;
  const keys = { openai: SECRET_KEY, mistral: "sk-mistral" };

  test("renders the chain in order, each target with the per-attempt timeout and retries, the degraded responder last without retries", () => {
    const c = renderPortkeyConfig(l, keys, "http://localhost:8790/v1");
    expect(c.strategy).toEqual({ mode: "fallback", on_status_codes: [408, 429, 500, 502, 503, 504] });
    expect(c.targets.map((t) => t.custom_host)).toEqual(["https://api.openai.com/v1", "https://api.mistral.ai/v1", "http://localhost:8790/v1"]);
    expect(c.targets[0]).toMatchObject({ provider: "openai", api_key: SECRET_KEY, override_params: { model: "gpt-4o-mini" }, request_timeout: 5000, retry: { attempts: 1, on_status_codes: [...PORTKEY.defaultRetryStatusCodes] } });
    expect(c.targets[2].retry).toEqual({ attempts: 0 });
  });

  test("is read back into the same settings (what the pack observes is what runs)", () => {
    const back = settingsFromPortkeyConfig(renderPortkeyConfig(l, keys, "http://localhost:8790/v1"), l.regions, l.replicas);
    expect({ ...back, providers: back.providers.map(({ name: _n, ...p }) => p) }).toEqual({ ...l, providers: l.providers.map(({ name: _n, ...p }) => p) });
  });

  test("refuses a provider without a key, and a degraded chain without the responder's URL", () => {
    expect(() => renderPortkeyConfig(l, { openai: "k" })).toThrow(/no API key for LLM provider "mistral"/);
    expect(() => renderPortkeyConfig(l, keys)).toThrow(/no degraded responder URL/);
  });
});

test("the deployed image is the version of the npm package the drill runs, pinned exactly", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"));
  const installed = JSON.parse(fs.readFileSync(require.resolve("@portkey-ai/gateway/package.json"), "utf8"));
  expect(pkg.devDependencies["@portkey-ai/gateway"]).toBe(PORTKEY.version);
  expect(installed.version).toBe(PORTKEY.version);
  expect(installed.license).toBe("MIT");
  expect(GATEWAY_IMAGE).toBe(`docker.io/portkeyai/gateway:${PORTKEY.version}`);
});
