import { S3Client } from "@aws-sdk/client-s3";
import { Command } from "commander";
import { PROBE_ENV, PROBE_METRICS_PORT } from "../contract/probe";
import { readProbeConfig } from "../probe/config-file";
import { runProbe } from "../probe/run";

const program = new Command()
  .name("probe")
  .description("Recovery probe: sequenced canary writes to each data class's store; measures each outage's write gap (RTO) and lost acknowledged writes (RPO); /metrics for Prometheus, JSON reports to the backup bucket.")
  .option("--config <file>", `ProbeConfig JSON (${PROBE_ENV.configFile})`, process.env[PROBE_ENV.configFile] ?? "/etc/agent-dr/probe.json")
  .option("--listen <host:port>", "address of /metrics and /healthz", `0.0.0.0:${PROBE_METRICS_PORT}`)
  .option("--duration <seconds>", "stop after this long (default: run until SIGTERM)")
  .parse();

const opts = program.opts<{ config: string; listen: string; duration?: string }>();

async function main(): Promise<number> {
  const config = readProbeConfig(opts.config);
  const m = /^(.+):(\d+)$/.exec(opts.listen);
  if (!m) throw new Error(`--listen: ${JSON.stringify(opts.listen)}: expected host:port`);
  const stop = new AbortController();
  process.once("SIGTERM", () => stop.abort());
  process.once("SIGINT", () => stop.abort());
  if (opts.duration) {
    const s = Number(opts.duration);
    if (!Number.isFinite(s) || s <= 0) throw new Error(`--duration: ${JSON.stringify(opts.duration)}: expected a positive number of seconds`);
    setTimeout(() => stop.abort(), s * 1000).unref();
  }
  // The region's S3 endpoint; credentials from IRSA (AWS_ROLE_ARN + the projected token) through the default chain.
  const s3 = config.reportBucket ? new S3Client({ region: config.region }) : undefined;
  await runProbe(config, { env: process.env, listen: { host: m[1], port: Number(m[2]) }, log: (l) => console.log(`${new Date().toISOString()} ${l}`), ...(s3 ? { s3 } : {}) }, stop.signal);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`probe: ${(e as Error).message}`);
    process.exit(2);
  },
);
