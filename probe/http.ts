import * as http from "node:http";
import type { ProbeMetrics } from "./metrics";

/**
 * `/metrics` (text exposition format) and `/healthz`. Readiness means "the probe runs", not "the
 * stores answer": a probe that went unready during an outage would drop out of the Service and
 * Prometheus would miss exactly the measurement it exists for.
 */
export function serveProbe(metrics: ProbeMetrics, host: string, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && url === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
      res.end(metrics.render());
    } else if (req.method === "GET" && url === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok\n");
    } else {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found\n");
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
