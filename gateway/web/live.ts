/**
 * Live updates for open pages, as server-sent events: a page subscribes to /api/ui/live and is told
 * "something changed" at most once per `tickMs` (then refetches what it shows). Changes are readings,
 * meter and bus states from the gateway's event bus, and new rows in the events table (alarms,
 * announced and executed cuts, relay results, commands), noticed by its newest id.
 */
import type { ServerResponse } from "node:http";
import type { Clock, TimerHandle } from "../../core/clock.ts";
import type { EventBus } from "../../core/event-bus.ts";
import type { GatewayEvents } from "../events.ts";

export interface LiveDeps {
  readonly events: EventBus<GatewayEvents>;
  /** Id of the newest stored event (EventRepository.lastId). */
  readonly latestEventId: () => number;
  readonly clock: Pick<Clock, "setTimeout" | "clearTimeout">;
  /** How often changes are pushed at most, ms: 200..10000, default 1000. */
  readonly tickMs?: number;
}

/** Open streams at once; a further one is answered 503 (a phone left open in a drawer costs little). */
const maxClients = 16;
/** A comment line this often keeps proxies and phones from closing an idle stream, in ticks. */
const keepAliveTicks = 15;

export class LiveUpdates {
  private readonly clients = new Set<ServerResponse>();
  private readonly unsubscribe: Array<() => void> = [];
  private timer: TimerHandle | undefined;
  private dirty = false;
  private lastEventId = 0;
  private seq = 0;
  private idleTicks = 0;

  constructor(private readonly deps: LiveDeps) {}

  start(): void {
    const mark = () => (this.dirty = true);
    for (const name of ["reading", "meter.state", "bus.state", "poll.error"] as const)
      this.unsubscribe.push(this.deps.events.on(name, mark));
    this.lastEventId = this.deps.latestEventId();
    this.schedule();
  }

  stop(): void {
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const off of this.unsubscribe.splice(0)) off();
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  /** Answers a subscription: the stream stays open until the page goes away or the gateway stops. */
  subscribe(res: ServerResponse): void {
    if (this.clients.size >= maxClients || this.timer === undefined) {
      res.writeHead(503, { "content-type": "text/plain" }).end("too many live pages open\n");
      return;
    }
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      connection: "keep-alive",
    });
    res.write(`retry: 3000\ndata: ${JSON.stringify({ seq: this.seq, eventId: this.lastEventId })}\n\n`);
    this.clients.add(res);
    res.on("close", () => this.clients.delete(res));
  }

  private schedule(): void {
    this.timer = this.deps.clock.setTimeout(() => this.tick(), this.deps.tickMs ?? 1000);
  }

  private tick(): void {
    const eventId = this.deps.latestEventId();
    if (eventId !== this.lastEventId || this.dirty) {
      this.dirty = false;
      this.lastEventId = eventId;
      this.broadcast(`data: ${JSON.stringify({ seq: ++this.seq, eventId })}\n\n`);
    } else if (++this.idleTicks >= keepAliveTicks) {
      this.broadcast(": keep-alive\n\n");
    }
    this.schedule();
  }

  private broadcast(chunk: string): void {
    this.idleTicks = 0;
    for (const client of this.clients) client.write(chunk);
  }
}
