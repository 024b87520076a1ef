import * as http from "http";
import type { AddressInfo } from "net";

/** A real HTTP receiver on 127.0.0.1 (ephemeral port) that keeps every JSON body posted to it, as an on-call webhook would get them. */
export interface AlertReceiver<T> {
  url: string;
  /** Bodies in arrival order; clear() empties it between tests. */
  received: T[];
  clear(): void;
  close(): Promise<void>;
}

export async function startAlertReceiver<T>(path: string): Promise<AlertReceiver<T>> {
  const received: T[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    received,
    clear: () => void received.splice(0),
    close: () => new Promise((r) => server.close(() => r())),
  };
}
