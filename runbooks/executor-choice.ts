import * as fs from "fs";
import type { DrExecutor } from "./executors/types";
import { kubernetesExecutor } from "./executors/kubernetes/from-targets";
import { LocalExecutor } from "./executors/local/executor";
import type { LocalTopology } from "./executors/local/topology";
import type { RegionRole, RunbookTargets } from "../contract/runbooks";

export interface ExecutorFlags {
  local?: string;
  inCluster?: boolean;
  dryRun?: boolean;
}

export function readTopology(file: string): LocalTopology {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as LocalTopology;
  } catch (e) {
    throw new Error(`--local ${file}: expected a JSON local topology (runbooks/executors/local/topology.ts) (${(e as Error).message})`);
  }
}

/**
 * Which executor a run uses: the local topology, in-cluster Kubernetes access (REGION_ROLE says
 * which region this pod is in), or the stack's kubeconfig contexts. A dry-run touches nothing, so
 * it needs no access at all: the actions only describe themselves.
 */
export function chooseExecutor(targets: RunbookTargets, flags: ExecutorFlags): DrExecutor {
  if (flags.local) return new LocalExecutor(readTopology(flags.local));
  if (flags.dryRun) return new LocalExecutor({});
  if (flags.inCluster) {
    const region = (process.env.REGION_ROLE ?? "primary") as RegionRole;
    if (region !== "primary" && region !== "dr") throw new Error(`REGION_ROLE: ${JSON.stringify(region)}: expected primary or dr`);
    return kubernetesExecutor(targets, { inClusterRegion: region, redisPassword: process.env.REDIS_PASSWORD, sentinelPassword: process.env.SENTINEL_PASSWORD });
  }
  return kubernetesExecutor(targets);
}
