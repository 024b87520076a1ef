/** Minimal Patroni REST client (GET /cluster, GET/PATCH /config, POST /switchover), bounded by the caller's signal. */

export interface PatroniMember {
  name: string;
  role: string;
  state: string;
  host: string;
  port: number;
  api_url?: string;
  lag?: number | string;
}

const REQUEST_MS = 3000;

async function call(url: string, init: RequestInit, signal: AbortSignal): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_MS)]) });
}

/** The first member URL that answers, with its response body; errors of all members when none does. */
async function firstAnswer<T>(urls: string[], signal: AbortSignal, fn: (base: string) => Promise<T>): Promise<{ base: string; value: T }> {
  const errors: string[] = [];
  for (const base of urls) {
    try {
      return { base, value: await fn(base) };
    } catch (e) {
      if (signal.aborted) throw signal.reason;
      errors.push(`${base}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no Patroni member answered (${errors.join("; ")})`);
}

export async function getCluster(urls: string[], signal: AbortSignal): Promise<{ base: string; members: PatroniMember[] }> {
  const r = await firstAnswer(urls, signal, async (base) => {
    const res = await call(`${base}/cluster`, {}, signal);
    if (!res.ok) throw new Error(`GET /cluster: HTTP ${res.status}`);
    return ((await res.json()) as { members?: PatroniMember[] }).members ?? [];
  });
  return { base: r.base, members: r.value };
}

export async function getConfig(urls: string[], signal: AbortSignal): Promise<Record<string, unknown>> {
  return (
    await firstAnswer(urls, signal, async (base) => {
      const res = await call(`${base}/config`, {}, signal);
      if (!res.ok) throw new Error(`GET /config: HTTP ${res.status}`);
      return (await res.json()) as Record<string, unknown>;
    })
  ).value;
}

/** PATCH /config: null removes a key (Patroni rest_api.rst). */
export async function patchConfig(urls: string[], patch: Record<string, unknown>, signal: AbortSignal): Promise<string> {
  const r = await firstAnswer(urls, signal, async (base) => {
    const res = await call(`${base}/config`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify(patch) }, signal);
    if (!res.ok) throw new Error(`PATCH /config: HTTP ${res.status} ${await res.text()}`);
    return res.status;
  });
  return `PATCH ${r.base}/config ${JSON.stringify(patch)} -> ${r.value}`;
}

export async function postSwitchover(base: string, leader: string, candidate: string | undefined, signal: AbortSignal): Promise<string> {
  const res = await fetch(`${base}/switchover`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ leader, ...(candidate ? { candidate } : {}) }),
    // A switchover answers after the new leader is up (about 2 s, patroni-drill.md section 7).
    signal: AbortSignal.any([signal, AbortSignal.timeout(60_000)]),
  });
  const text = (await res.text()).trim();
  if (!res.ok) throw new Error(`POST /switchover: HTTP ${res.status} ${text}`);
  return text;
}

export const isLeaderRole = (role: string) => role === "leader" || role === "master" || role === "primary" || role === "standby_leader";
