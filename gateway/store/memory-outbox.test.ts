import { MemoryOutbox } from "./memory-outbox.ts";
import { outboxConformance } from "./testing/outbox-conformance.ts";

outboxConformance("MemoryOutbox", (clock) => ({ outbox: new MemoryOutbox(clock), dispose: () => {} }));
