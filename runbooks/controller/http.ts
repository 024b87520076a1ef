import * as http from "http";
import type { FailoverController } from "./controller";

/**
 * The controller's small HTTP API: GET /healthz (liveness), GET /status (JSON per component),
 * POST /approve/<component> (manual-approval mode). Binds where told; in the pod the Service is
 * not exposed outside the namespace, and approval goes through `kubectl port-forward`.
 */
export function controllerServer(controller: FailoverController): http.Server {
  return http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? "/", "http://controller");
    if (req.method === "GET" && url.pathname === "/healthz") return send(200, { ok: true });
    if (req.method === "GET" && url.pathname === "/status") return send(200, controller.status());
    const m = /^\/approve\/([a-z0-9-]+)$/.exec(url.pathname);
    if (req.method === "POST" && m) {
      try {
        const approved = controller.approve(m[1]);
        return send(approved ? 200 : 409, approved ? { approved: m[1] } : { error: `${m[1]} is not waiting for approval` });
      } catch (e) {
        return send(404, { error: (e as Error).message });
      }
    }
    send(404, { error: `no route ${req.method} ${url.pathname}` });
  });
}
