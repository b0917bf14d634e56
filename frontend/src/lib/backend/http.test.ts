import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHttpTransport } from './http';
import { BackendError, type ConnectionState } from './transport';
import type { BackendEvent } from './types';

/** Stands in for the browser's EventSource; the test drives its lifecycle. */
class FakeEventSource {
  static all: FakeEventSource[] = [];
  readyState = 0;
  closed = false;
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeEventSource.all.push(this);
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  send(data: unknown) {
    this.onmessage?.({ data: typeof data === 'string' ? data : JSON.stringify(data) });
  }
  /** The connection dropped; the browser will retry by itself. */
  drop() {
    this.readyState = 0;
    this.onerror?.();
  }
  /** The server refused the stream; the browser gives up. */
  fail() {
    this.readyState = 2;
    this.onerror?.();
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
}

const jsonResponse = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

function transport(fetchImpl: typeof fetch = vi.fn()) {
  return createHttpTransport({
    fetch: fetchImpl,
    EventSource: FakeEventSource as unknown as new (url: string) => EventSource,
    baseUrl: 'http://127.0.0.1:8089/app/index.html',
    random: () => 0.5,
  });
}

describe('http transport: calls', () => {
  it('posts the arguments as JSON to api/call/{op} relative to the page and returns the result', async () => {
    const fetchMock = vi.fn(async () => jsonResponse(200, { conversations: [] }));
    const t = transport(fetchMock);
    await expect(t.call('conversations.list', {})).resolves.toEqual({ conversations: [] });
    expect(fetchMock).toHaveBeenCalledWith('http://127.0.0.1:8089/app/api/call/conversations.list', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
  });

  it('rejects with the typed error the server sent', async () => {
    const t = transport(
      vi.fn(async () =>
        jsonResponse(503, { error: { code: 'ollama_unreachable', message: 'no Ollama', hint: 'Start it' } }),
      ),
    );
    const err = await t.call('chat.send', { content: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({ code: 'ollama_unreachable', message: 'no Ollama', hint: 'Start it' });
  });

  it('turns a response without an error body into a BackendError', async () => {
    const t = transport(vi.fn(async () => new Response('bad gateway', { status: 502, statusText: 'Bad Gateway' })));
    await expect(t.call('status.get', {})).rejects.toMatchObject({
      code: 'internal',
      message: 'The server answered 502 Bad Gateway',
    });
  });

  it('turns a network failure into a BackendError with a hint', async () => {
    const t = transport(vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    const err = await t.call('status.get', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as BackendError).code).toBe('network');
    expect((err as BackendError).hint).toBeTruthy();
  });
});

describe('http transport: events', () => {
  beforeEach(() => {
    FakeEventSource.all = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('opens one stream at api/events for all subscribers and delivers parsed events', () => {
    const t = transport();
    const a: BackendEvent[] = [];
    const b: BackendEvent[] = [];
    t.subscribe((ev) => a.push(ev));
    t.subscribe((ev) => b.push(ev));
    expect(FakeEventSource.all).toHaveLength(1);
    const es = FakeEventSource.all[0]!;
    expect(es.url).toBe('http://127.0.0.1:8089/app/api/events');
    es.open();
    const ev = { seq: 7, name: 'status.changed', data: { ollama: { state: 'reachable', url: 'u' } } };
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    es.send(ev);
    es.send('not json');
    expect(logged).toHaveBeenCalledOnce();
    logged.mockRestore();
    expect(a).toEqual([ev]);
    expect(b).toEqual([ev]);
  });

  it('passes the resync event on to the subscribers', () => {
    const t = transport();
    const got: string[] = [];
    t.subscribe((ev) => got.push(ev.name));
    FakeEventSource.all[0]!.open();
    FakeEventSource.all[0]!.send({ seq: 3, name: 'resync', data: {} });
    expect(got).toEqual(['resync']);
  });

  it('reports reconnecting while the browser retries a dropped stream, then open again', () => {
    const t = transport();
    const states: ConnectionState[] = [];
    t.onConnection((s) => states.push(s));
    const es = FakeEventSource.all[0]!;
    es.open();
    es.drop();
    es.open();
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open']);
    expect(FakeEventSource.all).toHaveLength(1); // the browser's own retry, with Last-Event-ID
  });

  it('opens a new stream with growing, capped delays when the browser gives up', () => {
    const t = transport();
    const states: ConnectionState[] = [];
    t.onConnection((s) => states.push(s));
    FakeEventSource.all[0]!.open();

    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      const es = FakeEventSource.all.at(-1)!;
      es.fail();
      expect(es.closed).toBe(true);
      const before = FakeEventSource.all.length;
      let waited = 0;
      while (FakeEventSource.all.length === before) {
        vi.advanceTimersByTime(100);
        waited += 100;
      }
      delays.push(waited);
    }
    // random() = 0.5 puts each delay at 3/4 of its cap: 1 s, 2 s, 4 s, ... up to 30 s.
    expect(delays).toEqual([800, 1500, 3000, 6000, 12000, 22500, 22500]);
    expect(states).toEqual(['connecting', 'open', 'reconnecting']);

    FakeEventSource.all.at(-1)!.open();
    expect(states.at(-1)).toBe('open');
  });

  it('closes the stream when the last subscriber leaves', () => {
    const t = transport();
    const off1 = t.subscribe(() => {});
    const off2 = t.onConnection(() => {});
    off1();
    expect(FakeEventSource.all[0]!.closed).toBe(false);
    off2();
    expect(FakeEventSource.all[0]!.closed).toBe(true);
  });
});
