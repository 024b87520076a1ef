import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { DrillRun } from "../run";
import { timelineSvg } from "./chart";
import { Environment, renderReport } from "./markdown";

function version(cmd: string, args: string[], pattern: RegExp): string {
  try {
    const out = execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 10000 });
    return out.match(pattern)?.[1] ?? out.trim().split("\n")[0];
  } catch {
    return "not found";
  }
}

export function environment(): Environment {
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    machine: `${os.cpus().length} vCPU ${os.cpus()[0]?.model.trim() ?? ""}, ${Math.round(os.totalmem() / 1024 ** 3)} GiB, Linux ${os.release()}`,
    versions: {
      PostgreSQL: version("/usr/lib/postgresql/15/bin/postgres", ["--version"], /(\d+\.\d+)/),
      Patroni: version("/usr/bin/patroni", ["--version"], /(\d+\.\d+\.\d+)/),
      etcd: version("/usr/bin/etcd", ["--version"], /etcd Version: (\S+)/),
      Redis: version("/usr/bin/redis-server", ["--version"], /v=(\S+)/),
      Node: process.version,
    },
  };
}

/** Write the Markdown report and one SVG timeline per fault next to it (`<report>-charts/`). */
export async function writeReport(run: DrillRun, file: string): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const chartDir = `${path.basename(file, path.extname(file))}-charts`;
  fs.mkdirSync(path.join(dir, chartDir), { recursive: true });
  const charts: Record<string, string> = {};
  const done = new Map<object, string>();
  for (const r of run.scenarios) {
    if (!r.timeline) continue;
    const existing = done.get(r.timeline);
    if (existing) {
      charts[r.id] = existing;
      continue;
    }
    const rel = `${chartDir}/${r.id}.svg`;
    fs.writeFileSync(path.join(dir, rel), await timelineSvg(r.id, r.timeline));
    done.set(r.timeline, rel);
    charts[r.id] = rel;
  }
  fs.writeFileSync(file, renderReport(run, environment(), charts));
}
