import { MemoryOutbox } from "./memory-outbox.ts";
import { outboxConformance } from "../../test/helpers/store/outbox-conformance.ts";

outboxConformance("MemoryOutbox", (clock) => ({ outbox: new MemoryOutbox(clock), dispose: () => {} }));
