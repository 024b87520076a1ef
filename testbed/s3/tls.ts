import * as path from "node:path";
import type { Supervisor } from "../runtime/supervisor";

export const OPENSSL = "/usr/bin/openssl";

/**
 * A self-signed certificate for 127.0.0.1 (IP SAN: curl and the aws CLI check the address), made
 * by the drill user in the drill's directory so the front (its key) and the clients (--cacert,
 * --ca-bundle / AWS_CA_BUNDLE) run as that user can read it. The clients trust exactly this cert.
 */
export async function selfSignedCert(sup: Supervisor, rel: string): Promise<{ certFile: string; keyFile: string }> {
  const dir = sup.mkdir(rel);
  const certFile = path.join(dir, "ca.pem");
  const keyFile = path.join(dir, "key.pem");
  await sup.run(OPENSSL, [
    "req", "-x509", "-nodes", "-days", "7",
    "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
    "-keyout", keyFile, "-out", certFile,
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
  ], { timeoutMs: 30000 });
  return { certFile, keyFile };
}
