/**
 * The latest retained state per meter. Retained topics are "latest wins", so only the newest payload per
 * meter is kept (memory bounded by the meter count) and sent when connected; a state that was not
 * acknowledged is sent again after the next connect, unless a newer one replaced it.
 * At most one publish per meter is in flight: a newer payload set meanwhile goes out when the broker
 * acknowledged the previous one (PUBACK), so a slow broker sees the newest state, not every one.
 * A flush walks only the meters with something to send (it used to walk every meter for every reading).
 */
import type { MqttClient } from "mqtt";

interface Entry {
  payload: string;
  /** True until the broker acknowledged the current payload. */
  pending: boolean;
  /** The payload on its way and the client it went out on; a lost connection never calls back. */
  inFlight: { payload: string; client: MqttClient } | undefined;
}

export class MeterStates {
  private readonly entries = new Map<string, Entry>();
  /** Topics whose current payload is pending and not in flight on the current client. */
  private readonly due = new Set<string>();
  /** The client of the last flush: a new one (reconnect) gets every pending payload again. */
  private client: MqttClient | undefined;

  /** Stores the newest payload for `topic`. */
  set(topic: string, payload: string): void {
    const entry = this.entries.get(topic);
    if (entry === undefined) this.entries.set(topic, { payload, pending: true, inFlight: undefined });
    else {
      entry.payload = payload;
      entry.pending = true;
    }
    if (entry?.inFlight === undefined) this.due.add(topic);
  }

  /** Publishes every pending payload (QoS 1, retained) that is not already on its way. */
  flush(client: MqttClient): void {
    if (client !== this.client) {
      this.client = client;
      for (const [topic, entry] of this.entries) {
        if (entry.inFlight !== undefined && entry.inFlight.client !== client) entry.inFlight = undefined;
        if (entry.pending && entry.inFlight === undefined) this.due.add(topic);
      }
    }
    for (const topic of this.due) this.send(client, topic);
    this.due.clear();
  }

  /** Payloads not yet acknowledged. */
  pendingCount(): number {
    let n = 0;
    for (const entry of this.entries.values()) if (entry.pending) n++;
    return n;
  }

  private send(client: MqttClient, topic: string): void {
    const entry = this.entries.get(topic);
    if (entry === undefined || !entry.pending) return;
    const sent = { payload: entry.payload, client };
    entry.inFlight = sent;
    client.publish(topic, sent.payload, { qos: 1, retain: true }, (error) => {
      if (entry.inFlight !== sent) return; // a newer connection took over this entry
      entry.inFlight = undefined;
      if (!error && entry.payload === sent.payload) entry.pending = false;
      else if (!error && client === this.client && client.connected) this.send(client, topic);
      else this.due.add(topic); // failed: resent by the next flush (at the latest after reconnect)
    });
  }
}
