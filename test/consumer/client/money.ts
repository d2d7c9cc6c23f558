/**
 * Money as docs/mqtt.md section 1 defines it: a decimal string of yuan with up to 7 decimals, never a
 * float. Kept here as exact integers of 1e-7 yuan (bigint), so sums are exact to the last digit.
 */

/** 1 yuan in the unit used here (1e-7 yuan). */
const E7_PER_YUAN = 10_000_000n;
/** 1 fen = 0.01 yuan. */
const E7_PER_FEN = 100_000n;

/** Parses a yuan string such as "-12.3456789" exactly; throws on anything else. */
export function yuanToE7(text: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{1,7}))?$/.exec(text);
  if (match === null) throw new Error(`not a money string: ${JSON.stringify(text)}`);
  const [, sign, whole, fraction = ""] = match;
  const value = BigInt(whole!) * E7_PER_YUAN + BigInt(fraction.padEnd(7, "0"));
  return sign === "-" ? -value : value;
}

/** Whole fen as 1e-7 yuan. */
export function fenToE7(fen: number): bigint {
  if (!Number.isSafeInteger(fen)) throw new Error(`not whole fen: ${fen}`);
  return BigInt(fen) * E7_PER_FEN;
}

/** 1e-7 yuan as a plain decimal yuan string (for messages). */
export function e7ToYuan(e7: bigint): string {
  const sign = e7 < 0n ? "-" : "";
  const abs = e7 < 0n ? -e7 : e7;
  const fraction = (abs % E7_PER_YUAN).toString().padStart(7, "0").replace(/0+$/, "");
  return `${sign}${abs / E7_PER_YUAN}${fraction === "" ? "" : `.${fraction}`}`;
}
