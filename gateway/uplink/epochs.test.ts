/** The epoch lookups and the judgement of the database against the broker's retained status, as tables. */
import { describe, expect, it } from "vitest";
import { EpochBook, judgeEpoch } from "./epochs.ts";

const book = new EpochBook([
  { epoch: "aaaaaaaaaaaaaaaa", afterOutboxId: 0, firstSeq: {}, startedAtMs: 0 },
  { epoch: "bbbbbbbbbbbbbbbb", afterOutboxId: 40, firstSeq: { billing: 11, events: 30 }, startedAtMs: 1 },
]);

describe("EpochBook", () => {
  it("finds each record's epoch by outbox id and each epoch's seq span per stream", () => {
    expect([1, 40, 41, 900].map((id) => book.epochOf(id))).toEqual([
      "aaaaaaaaaaaaaaaa",
      "aaaaaaaaaaaaaaaa",
      "bbbbbbbbbbbbbbbb",
      "bbbbbbbbbbbbbbbb",
    ]);
    expect(book.current.epoch).toBe("bbbbbbbbbbbbbbbb");
    expect(book.span("aaaaaaaaaaaaaaaa", "billing", 25)).toEqual({
      afterId: 0,
      upToId: 40,
      firstSeq: 1,
      lastSeq: 10,
    });
    expect(book.span("bbbbbbbbbbbbbbbb", "billing", 25)).toEqual({
      afterId: 40,
      upToId: Number.MAX_SAFE_INTEGER,
      firstSeq: 11,
      lastSeq: 25,
    });
    expect(book.span("aaaaaaaaaaaaaaaa", "readings", 7)).toMatchObject({ firstSeq: 1, lastSeq: 0 });
    expect(book.span("cccccccccccccccc", "billing", 25)).toBeUndefined();
  });
});

describe("judgeEpoch", () => {
  const local = { epoch: "aaaaaaaaaaaaaaaa", published: true, lastSeq: { billing: 10, events: 5 } };
  it.each([
    ["no retained status", undefined, local, { kind: "same" }],
    [
      "same epoch, at or past",
      { epoch: "aaaaaaaaaaaaaaaa", ackedSeq: { billing: 10, events: 2 } },
      local,
      { kind: "same" },
    ],
    [
      "same epoch, a stream behind",
      { epoch: "aaaaaaaaaaaaaaaa", ackedSeq: { billing: 12, events: 5 } },
      local,
      {
        kind: "restored",
        previousEpoch: "aaaaaaaaaaaaaaaa",
        behind: [{ stream: "billing", databaseSeq: 10, publishedSeq: 12 }],
      },
    ],
    [
      "another epoch, never published here",
      { epoch: "ffffffffffffffff", ackedSeq: { billing: 99 } },
      { ...local, published: false },
      { kind: "replaced", previousEpoch: "ffffffffffffffff" },
    ],
    [
      "another epoch, published here before",
      { epoch: "ffffffffffffffff", ackedSeq: { billing: 3 } },
      local,
      { kind: "restored", previousEpoch: "ffffffffffffffff", behind: [] },
    ],
  ] as const)("%s", (_name, retained, localStreams, verdict) => {
    expect(judgeEpoch(localStreams, retained)).toEqual(verdict);
  });
});
