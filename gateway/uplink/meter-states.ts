/**
 * The latest retained state per meter. Retained topics are "latest wins", so only the newest payload per
 * meter is kept (memory bounded by the meter count) and sent when connected; a state that was not
 * acknowledged is sent again after the next connect, unless a newer one replaced it.
 */
import type { MqttClient } from "mqtt";

interface Entry {
  payload: string;
  /** True until the broker acknowledged this payload. */
  pending: boolean;
  /** The client it was last published on; a lost connection never calls back, so a new client resends. */
  sentOn: MqttClient | undefined;
}

export class MeterStates {
  private readonly entries = new Map<string, Entry>();

  /** Stores the newest payload for `topic`. */
  set(topic: string, payload: string): void {
    this.entries.set(topic, { payload, pending: true, sentOn: undefined });
  }

  /** Publishes every pending payload (QoS 1, retained) that is not already on its way. */
  flush(client: MqttClient): void {
    for (const [topic, entry] of this.entries) {
      if (!entry.pending || entry.sentOn === client) continue;
      entry.sentOn = client;
      client.publish(topic, entry.payload, { qos: 1, retain: true }, (error) => {
        // A newer payload replaces the entry object, so this only settles the payload it sent.
        if (error) entry.sentOn = undefined;
        else entry.pending = false;
      });
    }
  }

  /** Payloads not yet acknowledged. */
  pendingCount(): number {
    return [...this.entries.values()].filter((e) => e.pending).length;
  }
}
