/**
 * A throwaway PKI for TLS broker tests, made with the real openssl binary: a CA, a server certificate
 * valid for 127.0.0.1 and localhost, and a client certificate for mutual TLS. P-256 keys keep it fast.
 */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { requireTool } from "./tools.ts";

const execFileAsync = promisify(execFile);

/** Paths of the PEM files {@link generateTestPki} wrote. */
export interface TestPki {
  /** CA certificate: the trust anchor for both sides. */
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** Client certificate (CN meter-gateway-test-client), signed by the CA. */
  readonly clientCert: string;
  readonly clientKey: string;
}

/** Validity of every certificate, in days: a test run never needs more. */
const VALIDITY_DAYS = "2";

async function openssl(dir: string, args: readonly string[]): Promise<void> {
  try {
    await execFileAsync(requireTool("openssl"), args, { cwd: dir });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim()}`, { cause: error });
  }
}

const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** Creates a key and a certificate signed by the CA in `dir`, with the given v3 extensions. */
async function issue(dir: string, name: string, subject: string, extensions: string): Promise<void> {
  const extFile = join(dir, `${name}.ext`);
  await writeFile(extFile, extensions);
  await openssl(dir, ["req", ...ecKey, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject]);
  await openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-set_serial",
    `0x${randomBytes(8).toString("hex")}`,
    "-days",
    VALIDITY_DAYS,
    "-sha256",
    "-extfile",
    extFile,
    "-out",
    `${name}.crt`,
  ]);
}

/** Writes a CA, a server and a client certificate with their keys into `dir`. */
export async function generateTestPki(dir: string): Promise<TestPki> {
  await openssl(dir, [
    "req",
    "-x509",
    ...ecKey,
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    VALIDITY_DAYS,
    "-sha256",
    "-subj",
    "/CN=meter-gateway test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  await issue(
    dir,
    "server",
    "/CN=127.0.0.1",
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n" +
      "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
  );
  await issue(
    dir,
    "client",
    "/CN=meter-gateway-test-client",
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n",
  );
  return {
    ca: join(dir, "ca.crt"),
    serverCert: join(dir, "server.crt"),
    serverKey: join(dir, "server.key"),
    clientCert: join(dir, "client.crt"),
    clientKey: join(dir, "client.key"),
  };
}
