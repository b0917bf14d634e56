import { BackendError, Fanout, type ConnectionState, type Transport } from './transport';
import type { BackendEvent, ErrorBody } from './types';

/** The browser APIs the web transport uses, passed in so tests can stand in for them. */
export interface HttpDeps {
  fetch: typeof fetch;
  EventSource: new (url: string) => EventSource;
  /** The page's address; API paths are resolved against it so a path prefix keeps working. */
  baseUrl: string;
  /** 0 ≤ random() < 1; spreads reconnects of many tabs apart. */
  random?: () => number;
}

/** Reconnect delays after the stream was closed for good (the browser's own retry gave up). */
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30_000;
/** EventSource.readyState once the browser has given up on a stream. */
const CLOSED = 2;

const unreachable: ErrorBody = {
  code: 'network',
  message: 'Could not reach the CloudToLocalLLM server.',
  hint: 'Check that the desktop app is running and that you are online, then try again.',
};

/**
 * The web transport: operations are `POST api/call/{op}`, events come over Server-Sent Events
 * from `api/events`. The browser's EventSource resumes with Last-Event-ID by itself; when it
 * gives up (the server answered with an error), this reconnects with capped backoff and jitter.
 */
export function createHttpTransport(deps: HttpDeps): Transport {
  const random = deps.random ?? Math.random;
  const events = new Fanout<BackendEvent>();
  const connection = new Fanout<ConnectionState>();
  let state: ConnectionState = 'connecting';
  let source: EventSource | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;

  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    connection.emit(next);
  };

  const open = () => {
    const es = new deps.EventSource(new URL('api/events', deps.baseUrl).href);
    source = es;
    es.onopen = () => {
      failures = 0;
      setState('open');
    };
    es.onmessage = (msg: MessageEvent<string>) => {
      let ev: BackendEvent;
      try {
        ev = JSON.parse(msg.data) as BackendEvent;
      } catch {
        console.error('backend sent an event that is not JSON', msg.data);
        return;
      }
      events.emit(ev);
    };
    es.onerror = () => {
      // Before the first open this is still the first attempt; afterwards events may be lost.
      if (state === 'open') setState('reconnecting');
      if (es.readyState !== CLOSED) return; // the browser retries by itself
      es.close();
      source = null;
      const cap = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** failures);
      failures++;
      retryTimer = setTimeout(open, cap / 2 + (random() * cap) / 2);
    };
  };

  const ensureOpen = () => {
    if (!source && retryTimer === undefined) open();
  };

  const closeIfUnused = () => {
    if (events.size > 0 || connection.size > 0) return;
    clearTimeout(retryTimer);
    retryTimer = undefined;
    source?.close();
    source = null;
    failures = 0;
    state = 'connecting';
  };

  return {
    async call<T>(op: string, args: object): Promise<T> {
      let res: Response;
      try {
        res = await deps.fetch(new URL(`api/call/${encodeURIComponent(op)}`, deps.baseUrl).href, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(args),
        });
      } catch {
        throw new BackendError(unreachable);
      }
      const body: unknown = await res.json().catch(() => undefined);
      if (res.ok) return body as T;
      const err = (body as { error?: ErrorBody } | undefined)?.error;
      if (err?.code && err.message) throw new BackendError(err);
      throw new BackendError({
        code: res.status >= 500 ? 'internal' : 'bad_request',
        message: `The server answered ${res.status} ${res.statusText}`.trim(),
      });
    },

    subscribe(handler) {
      const remove = events.add(handler);
      ensureOpen();
      return () => {
        remove();
        closeIfUnused();
      };
    },

    onConnection(listener) {
      const remove = connection.add(listener);
      listener(state);
      ensureOpen();
      return () => {
        remove();
        closeIfUnused();
      };
    },
  };
}
