import { describe, expect, it, vi } from 'vitest';
import { pickTransport } from './index';
import { BackendError, type ConnectionState } from './transport';
import type { BackendEvent } from './types';
import { createWailsTransport, isWails, type WailsWindow } from './wails';

function fakeWails(reply: (op: string, args: object) => Promise<unknown>) {
  let listener: ((ev: BackendEvent) => void) | undefined;
  const w = {
    go: { main: { App: { Call: vi.fn(reply) } } },
    runtime: {
      EventsOn: vi.fn((name: string, cb: (ev: BackendEvent) => void) => {
        expect(name).toBe('backend');
        listener = cb;
        return () => {};
      }),
    },
  };
  return { w: w as unknown as WailsWindow, emit: (ev: BackendEvent) => listener?.(ev), raw: w };
}

describe('wails transport', () => {
  it('calls App.Call(op, args) and returns its result', async () => {
    const { w, raw } = fakeWails(async () => ({ result: { models: [] } }));
    const t = createWailsTransport(w);
    await expect(t.call('models.list', {})).resolves.toEqual({ models: [] });
    expect(raw.go.main.App.Call).toHaveBeenCalledWith('models.list', {});
  });

  it('rejects with a BackendError carrying the code, message and hint of {error}', async () => {
    const { w } = fakeWails(async () => ({ error: { code: 'conflict', message: 'busy', hint: 'Wait' } }));
    const err = await createWailsTransport(w).call('chat.send', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({ code: 'conflict', message: 'busy', hint: 'Wait' });
  });

  it('turns a rejected binding call into a BackendError', async () => {
    const { w } = fakeWails(async () => Promise.reject(new Error('binding gone')));
    await expect(createWailsTransport(w).call('status.get', {})).rejects.toMatchObject({
      code: 'internal',
      message: 'binding gone',
    });
  });

  it('listens to the "backend" event once and fans it out; the connection is always open', () => {
    const { w, emit, raw } = fakeWails(async () => ({}));
    const t = createWailsTransport(w);
    const a: number[] = [];
    const b: number[] = [];
    const offA = t.subscribe((ev) => a.push(ev.seq));
    t.subscribe((ev) => b.push(ev.seq));
    expect(raw.runtime.EventsOn).toHaveBeenCalledTimes(1);
    emit({ seq: 1, name: 'resync', data: {} });
    offA();
    emit({ seq: 2, name: 'resync', data: {} });
    expect(a).toEqual([1]);
    expect(b).toEqual([1, 2]);

    const states: ConnectionState[] = [];
    t.onConnection((s) => states.push(s));
    expect(states).toEqual(['open']);
  });
});

describe('pickTransport', () => {
  it('uses Wails when its bridge is present and HTTP otherwise', async () => {
    const { w, raw } = fakeWails(async () => ({ result: 'from wails' }));
    expect(isWails(w)).toBe(true);
    const viaWails = pickTransport(Object.assign(Object.create(window), w));
    await expect(viaWails.call('status.get', {})).resolves.toBe('from wails');
    expect(raw.go.main.App.Call).toHaveBeenCalled();

    expect(isWails(window)).toBe(false);
    const fetchSpy = vi.fn(async () => new Response('{"ok":true}', { status: 200 }));
    const viaHttp = pickTransport(Object.assign(Object.create(window), { fetch: fetchSpy }));
    await expect(viaHttp.call('status.get', {})).resolves.toEqual({ ok: true });
    expect(fetchSpy).toHaveBeenCalledWith(expect.stringMatching(/api\/call\/status\.get$/), expect.anything());
  });
});
