import type { ChatEvent } from '../backend';

/**
 * Collects the chat events that arrive while a call is in flight. A call's result is a snapshot
 * taken at some moment on the server; events can reach us before or after it, so the snapshot is
 * brought up to date by replaying what was recorded (see `replay`).
 */
export class Recorder {
  private readonly logs = new Set<ChatEvent[]>();

  record(ev: ChatEvent): void {
    for (const log of this.logs) log.push(ev);
  }

  async during<T>(call: () => Promise<T>): Promise<[T, ChatEvent[]]> {
    const log: ChatEvent[] = [];
    this.logs.add(log);
    try {
      return [await call(), log];
    } finally {
      this.logs.delete(log);
    }
  }
}
