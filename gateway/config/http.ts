/**
 * The `http` config section: the technician's web page. Without it the page is served only with the
 * local API on 127.0.0.1:`gateway.httpPort`. `listen` opts into another address, e.g. the LAN, where
 * the page then requires the technician password (`meter-gateway passwd`) and may use TLS.
 * File paths are made absolute against the config file's directory by the config loader.
 */
import * as z from "zod";
import { intBetween, nonEmptyString } from "./fields.ts";
import { requirement } from "./messages.ts";

/** `host:port` with an IPv4 address, `localhost` or a bracketed IPv6 address, e.g. `0.0.0.0:8443`. */
const listenPattern = /^(\d{1,3}(\.\d{1,3}){3}|localhost|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/;

export const listenSchema = z
  .string()
  .regex(listenPattern, {
    error: requirement("must be host:port, e.g. '0.0.0.0:8443', '192.168.1.10:8080' or '[::]:8443'"),
  })
  .refine((value) => Number(value.slice(value.lastIndexOf(":") + 1)) <= 65_535, {
    error: requirement("must have a port between 1 and 65535"),
  });

/** TLS for the `listen` address: a PEM certificate (chain) and its private key. */
export const httpTlsConfigSchema = z.strictObject({
  /** PEM certificate file, leaf first. */
  cert: nonEmptyString,
  /** PEM private key file of `cert`. */
  key: nonEmptyString,
});

export const httpConfigSchema = z
  .strictObject({
    /**
     * Address of the web page beyond 127.0.0.1, `host:port`. A non-loopback address requires the technician
     * password to be set (`meter-gateway passwd -c FILE`); the gateway refuses to start otherwise.
     */
    listen: listenSchema.optional(),
    /** TLS on the `listen` address; recommended on the LAN (the password crosses the wire). */
    tls: httpTlsConfigSchema.optional(),
    /** Minutes a technician stays signed in without using the page: 5..1440, default 60. */
    sessionIdleMinutes: intBetween(5, 1440).optional(),
  })
  .refine((http) => http.tls === undefined || http.listen !== undefined, {
    path: ["tls"],
    error: "http.tls needs http.listen: TLS applies to the listen address",
  });

/** The `listen` address split: host (brackets removed) and port. */
export function listenAddress(listen: string): { host: string; port: number } {
  const cut = listen.lastIndexOf(":");
  return { host: listen.slice(0, cut).replace(/^\[|\]$/g, ""), port: Number(listen.slice(cut + 1)) };
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}
