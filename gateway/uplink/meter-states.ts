/**
 * The latest retained state per meter. Retained topics are "latest wins", so only the newest payload per
 * meter is kept (memory bounded by the meter count), until the broker acknowledges it, and sent when
 * connected; a state that was not acknowledged is sent again after the next connect, unless a newer one
 * replaced it.
 * At most one publish per meter is in flight: a newer payload set meanwhile goes out when the broker
 * acknowledged the previous one (PUBACK), so a slow broker sees the newest state, not every one.
 * A flush walks only the meters with something to send (it used to walk every meter for every reading).
 */
import type { MqttClient } from "mqtt";

/** A payload the broker has not acknowledged yet (acknowledged ones are dropped). */
interface Entry {
  payload: string;
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
    if (entry === undefined) this.entries.set(topic, { payload, inFlight: undefined });
    else entry.payload = payload;
    if (entry?.inFlight === undefined) this.due.add(topic);
  }

  /** Publishes every pending payload (QoS 1, retained) that is not already on its way. */
  flush(client: MqttClient): void {
    if (client !== this.client) {
      this.client = client;
      for (const [topic, entry] of this.entries) {
        if (entry.inFlight !== undefined && entry.inFlight.client !== client) entry.inFlight = undefined;
        if (entry.inFlight === undefined) this.due.add(topic);
      }
    }
    for (const topic of this.due) this.send(client, topic);
    this.due.clear();
  }

  /** Payloads not yet acknowledged. */
  pendingCount(): number {
    return this.entries.size;
  }

  private send(client: MqttClient, topic: string): void {
    const entry = this.entries.get(topic);
    if (entry === undefined) return;
    const sent = { payload: entry.payload, client };
    entry.inFlight = sent;
    client.publish(topic, sent.payload, { qos: 1, retain: true }, (error) => {
      if (entry.inFlight !== sent) return; // a newer connection took over this entry
      entry.inFlight = undefined;
      // Acknowledged and not replaced: the broker retains it, so the entry (and its payload, a few hundred
      // bytes per meter) is not kept until the meter's next state.
      if (!error && entry.payload === sent.payload) this.entries.delete(topic);
      else if (!error && client === this.client && client.connected) this.send(client, topic);
      else this.due.add(topic); // failed: resent by the next flush (at the latest after reconnect)
    });
  }
}
