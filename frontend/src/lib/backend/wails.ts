import { BackendError, Fanout, type ConnectionListener, type Transport } from './transport';
import type { BackendEvent, ErrorBody } from './types';

/** What the one Wails-bound Go method answers. */
interface CallReply {
  result?: unknown;
  error?: ErrorBody;
}

/** The globals Wails injects into its webview. */
export interface WailsWindow {
  go: { main: { App: { Call(op: string, args: object): Promise<CallReply> } } };
  runtime: {
    EventsOn(name: string, callback: (ev: BackendEvent) => void): unknown;
  };
}

export function isWails(w: object): w is WailsWindow {
  const go = (w as Partial<WailsWindow>).go;
  return typeof go?.main?.App?.Call === 'function';
}

/** The name every backend event is emitted under on the desktop (docs/API.md). */
export const WAILS_EVENT = 'backend';

/**
 * The desktop transport. Wails events are delivered in-process and cannot be missed, so the
 * connection is always open.
 */
export function createWailsTransport(w: WailsWindow): Transport {
  const events = new Fanout<BackendEvent>();
  let listening = false;

  return {
    async call<T>(op: string, args: object): Promise<T> {
      let reply: CallReply;
      try {
        reply = await w.go.main.App.Call(op, args);
      } catch (err) {
        throw BackendError.from(err);
      }
      if (reply?.error) throw new BackendError(reply.error);
      return reply?.result as T;
    },

    subscribe(handler) {
      if (!listening) {
        // Registered once for the page's life: the fan-out decides who hears an event.
        w.runtime.EventsOn(WAILS_EVENT, (ev) => events.emit(ev));
        listening = true;
      }
      return events.add(handler);
    },

    onConnection(listener: ConnectionListener) {
      listener('open');
      return () => {};
    },
  };
}
