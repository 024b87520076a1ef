import { Route53Client } from "@aws-sdk/client-route-53";
import * as http from "http";
import { AddressInfo } from "net";
import { KubernetesExecutor } from "../../runbooks/executors/kubernetes/executor";

// Route53 can not run here: an in-process HTTP server answers the four Route53 REST calls the
// executor makes with the documented XML, and records the UpdateHealthCheck bodies.
const NS = `xmlns="https://route53.amazonaws.com/doc/2013-04-01/"`;
const state = { primaryOk: true, inverted: false, updates: [] as string[] };
let server: http.Server;
let endpoint: string;

const record = (failover: string, id: string, target: string) =>
  `<ResourceRecordSet><Name>api.agents.example.com.</Name><Type>CNAME</Type><SetIdentifier>${failover.toLowerCase()}</SetIdentifier><Failover>${failover}</Failover><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>${target}</Value></ResourceRecord></ResourceRecords><HealthCheckId>${id}</HealthCheckId></ResourceRecordSet>`;
const observation = (ok: boolean, i: number) =>
  `<HealthCheckObservation><Region>us-east-1</Region><IPAddress>15.177.0.${i}</IPAddress><StatusReport><Status>${ok ? "Success: HTTP Status Code 200, OK" : "Failure: Connection timed out"}</Status><CheckedTime>2026-11-26T10:00:00Z</CheckedTime></StatusReport></HealthCheckObservation>`;
const healthCheck = (id: string, inverted: boolean) =>
  `<HealthCheck><Id>${id}</Id><CallerReference>ref-${id}</CallerReference><HealthCheckConfig><Type>HTTPS</Type><FullyQualifiedDomainName>x.example.com</FullyQualifiedDomainName><Inverted>${inverted}</Inverted></HealthCheckConfig><HealthCheckVersion>1</HealthCheckVersion></HealthCheck>`;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const url = req.url!.split("?")[0];
      const xml = (s: string) => {
        res.writeHead(200, { "content-type": "text/xml" });
        res.end(`<?xml version="1.0" encoding="UTF-8"?>${s}`);
      };
      if (url === "/2013-04-01/hostedzone/Z0PRODZONE/rrset") {
        return xml(`<ListResourceRecordSetsResponse ${NS}><ResourceRecordSets>${record("PRIMARY", "hc-primary", "use1.example.com")}${record("SECONDARY", "hc-dr", "usw2.example.com")}</ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>10</MaxItems></ListResourceRecordSetsResponse>`);
      }
      const status = /^\/2013-04-01\/healthcheck\/([^/]+)\/status$/.exec(url);
      if (status) {
        const ok = status[1] === "hc-dr" ? true : state.primaryOk;
        return xml(`<GetHealthCheckStatusResponse ${NS}><HealthCheckObservations>${[1, 2, 3, 4, 5].map((i) => observation(ok, i)).join("")}</HealthCheckObservations></GetHealthCheckStatusResponse>`);
      }
      const check = /^\/2013-04-01\/healthcheck\/([^/]+)$/.exec(url);
      if (check && req.method === "GET") return xml(`<GetHealthCheckResponse ${NS}>${healthCheck(check[1], check[1] === "hc-primary" && state.inverted)}</GetHealthCheckResponse>`);
      if (check && req.method === "POST") {
        state.updates.push(`${check[1]}: ${body}`);
        state.inverted = /<Inverted>true<\/Inverted>/.test(body);
        return xml(`<UpdateHealthCheckResponse ${NS}>${healthCheck(check[1], state.inverted)}</UpdateHealthCheckResponse>`);
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

function executor(): KubernetesExecutor {
  const client = new Route53Client({ region: "us-east-1", endpoint, credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" } });
  return new KubernetesExecutor({ clusters: {}, route53: { client, recordName: "api.agents.example.com", zoneId: "Z0PRODZONE" } });
}

test("reads the failover pair: primary served while its checkers succeed, DR once they fail", async () => {
  const ex = executor();
  state.primaryOk = true;
  expect(await ex.endpointState(AbortSignal.timeout(5000))).toEqual({ serving: "primary", primaryHealthy: true, drHealthy: true, forced: false });
  state.primaryOk = false;
  expect(await ex.endpointState(AbortSignal.timeout(5000))).toEqual({ serving: "dr", primaryHealthy: false, drHealthy: true, forced: false });
  // A dead primary needs no forcing: Route53 already answers with the DR target.
  expect(await ex.forceEndpoint("dr", AbortSignal.timeout(5000))).toMatch(/nothing to force/);
  expect(state.updates).toEqual([]);
  await ex.close();
});

test("forcing a still-healthy primary inverts its health check; undoing restores it", async () => {
  const ex = executor();
  state.primaryOk = true;
  state.inverted = false;
  expect(await ex.forceEndpoint("dr", AbortSignal.timeout(5000))).toBe("inverted primary health check hc-primary to force failover");
  expect(state.updates).toHaveLength(1);
  expect(state.updates[0]).toMatch(/^hc-primary: .*<Inverted>true<\/Inverted>/);
  expect(await ex.endpointState(AbortSignal.timeout(5000))).toEqual({ serving: "dr", primaryHealthy: false, drHealthy: true, forced: true });
  expect(await ex.forceEndpoint("primary", AbortSignal.timeout(5000))).toBe("restored primary health check hc-primary (not inverted)");
  expect(state.updates[1]).toMatch(/<Inverted>false<\/Inverted>/);
  expect((await ex.endpointState(AbortSignal.timeout(5000))).serving).toBe("primary");
  await ex.close();
});
