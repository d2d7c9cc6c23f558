import { describe, expect, it } from "vitest";
import { parseConfig } from "./parse.ts";
import { isLoopback, listenAddress } from "./http.ts";
import { parseOptions } from "../../test/helpers/config/parse-options.ts";

const withHttp = (http: string) => `gateway: { id: gw, dataDir: /var/lib/mg }
buses: []
meters: []
http: ${http}
`;

describe("http config section", () => {
  it("accepts a LAN address with TLS files, made absolute against the config's directory", () => {
    const result = parseConfig(
      withHttp(`{ listen: "0.0.0.0:8443", tls: { cert: web.crt, key: /k/web.key } }`),
      {
        ...parseOptions,
        baseDir: "/etc/meter-gateway",
      },
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.config.http).toEqual({
      listen: "0.0.0.0:8443",
      tls: { cert: "/etc/meter-gateway/web.crt", key: "/k/web.key" },
    });
    expect(listenAddress("[::]:8443")).toEqual({ host: "::", port: 8443 });
    expect([isLoopback("127.0.0.1"), isLoopback("localhost"), isLoopback("0.0.0.0")]).toEqual([
      true,
      true,
      false,
    ]);
  });

  it("names each bad field: the listen form, the port, TLS without listen", () => {
    const messages = (http: string) => {
      const result = parseConfig(withHttp(http), parseOptions);
      return result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
    };
    expect(messages(`{ listen: "lan:80" }`)).toEqual([
      "http.listen: listen must be host:port, e.g. '0.0.0.0:8443', '192.168.1.10:8080' or '[::]:8443' (got 'lan:80')",
    ]);
    expect(messages(`{ listen: "0.0.0.0:70000" }`)).toEqual([
      "http.listen: listen must have a port between 1 and 65535 (got '0.0.0.0:70000')",
    ]);
    expect(messages(`{ tls: { cert: a, key: b } }`)).toEqual([
      "http.tls: http.tls needs http.listen: TLS applies to the listen address",
    ]);
  });
});
