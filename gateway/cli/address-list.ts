/**
 * DL/T 645 address lists as technicians write them for `scan --protocol dlt645 --address`:
 * `000000000001-000000000010,000000001668`. Each address is 12 digits (6 bytes of BCD, DL/T 645-2007
 * clause 5.1); a range runs over the numbers between. Bounded, since each silent address costs a timeout.
 */

/** Most addresses one scan probes: 1000 silent addresses at 1 s each is already a quarter hour. */
export const maxScanAddresses = 1000;

/** Parses an address list into distinct addresses in order, or an error naming the bad part. */
export function parseAddressList(
  input: string,
): { ok: true; addresses: string[] } | { ok: false; error: string } {
  const text = input.trim();
  if (text === "") return { ok: false, error: "empty address list" };
  const addresses = new Set<string>();
  for (const raw of text.split(",")) {
    const item = raw.trim();
    const match = /^(\d{12})(?:\s*-\s*(\d{12}))?$/.exec(item);
    if (match === null)
      return {
        ok: false,
        error: `'${item}' is not a 12-digit address or a range of them (e.g. 000000000001-000000000010)`,
      };
    const from = BigInt(match[1]!);
    const to = match[2] === undefined ? from : BigInt(match[2]);
    if (to < from) return { ok: false, error: `'${item}': range runs backwards` };
    if (to - from >= BigInt(maxScanAddresses) || addresses.size + Number(to - from) + 1 > maxScanAddresses)
      return { ok: false, error: `more than ${maxScanAddresses} addresses; scan in parts` };
    for (let n = from; n <= to; n++) {
      const address = n.toString().padStart(12, "0");
      if (addresses.has(address)) return { ok: false, error: `address ${address} is listed twice` };
      addresses.add(address);
    }
  }
  return { ok: true, addresses: [...addresses] };
}
