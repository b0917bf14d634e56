import { BackendError, Fanout, type ConnectionState, type Transport } from '../lib/backend/transport';
import type { BackendEvent, ErrorBody } from '../lib/backend';

type Handler = (args: Record<string, unknown>) => unknown;

/** A backend in memory: each op answers from a handler; tests push events and connection states. */
export class FakeTransport implements Transport {
  readonly calls: { op: string; args: Record<string, unknown> }[] = [];
  private readonly handlers = new Map<string, Handler>();
  private readonly events = new Fanout<BackendEvent>();
  private readonly connection = new Fanout<ConnectionState>();
  state: ConnectionState = 'open';

  on(op: string, handler: Handler): this {
    this.handlers.set(op, handler);
    return this;
  }

  fail(op: string, err: ErrorBody): this {
    return this.on(op, () => {
      throw new BackendError(err);
    });
  }

  async call<T>(op: string, args: object): Promise<T> {
    this.calls.push({ op, args: args as Record<string, unknown> });
    const h = this.handlers.get(op);
    if (!h) throw new BackendError({ code: 'not_found', message: `no fake for ${op}` });
    return (await h(args as Record<string, unknown>)) as T;
  }

  callsOf(op: string) {
    return this.calls.filter((c) => c.op === op);
  }

  subscribe(handler: (ev: BackendEvent) => void) {
    return this.events.add(handler);
  }

  onConnection(listener: (s: ConnectionState) => void) {
    listener(this.state);
    return this.connection.add(listener);
  }

  emit(ev: BackendEvent) {
    this.events.emit(ev);
  }

  setConnection(s: ConnectionState) {
    this.state = s;
    this.connection.emit(s);
  }
}

/** Resolves after pending promise callbacks have run. */
export const settle = () => new Promise((r) => setTimeout(r, 0));
