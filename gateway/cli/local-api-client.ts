/** Talks to the running service's local HTTP API (127.0.0.1:gateway.httpPort). */
import { GatewayError, ErrorCode } from "../../core/errors.ts";
import { UsageError } from "./output.ts";
import { loadConfigFile } from "./config-file.ts";

export async function localApiBase(configFile: string): Promise<string> {
  const { config } = await loadConfigFile(configFile);
  const port = config.gateway.httpPort;
  if (port === undefined) throw new UsageError(`the local API is off: set gateway.httpPort in ${configFile}`);
  return `http://127.0.0.1:${port}`;
}

export async function callLocalApi(
  base: string,
  path: string,
  init?: { method: "POST"; body: unknown },
): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(
      `${base}${path}`,
      init === undefined
        ? {}
        : {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(init.body),
          },
    );
  } catch {
    throw new GatewayError(
      ErrorCode.ConnectionRefused,
      `the gateway service is not running (nothing answers on ${base}); start it: systemctl start meter-gateway`,
    );
  }
  return { status: response.status, body: await response.json() };
}
