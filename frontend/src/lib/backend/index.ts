// The only module components and state use to reach the backend.
import { createApi } from './api';
import { createHttpTransport } from './http';
import type { Transport } from './transport';
import { createWailsTransport, isWails } from './wails';

export { createApi, type Api } from './api';
export { BackendError, type ConnectionState } from './transport';
export type * from './types';

/** The desktop window has Wails' bridge; anything else is the web build talking HTTP. */
export function pickTransport(w: Window & typeof globalThis): Transport {
  if (isWails(w)) return createWailsTransport(w);
  return createHttpTransport({
    fetch: (input, init) => w.fetch(input, init),
    EventSource: w.EventSource,
    baseUrl: w.document.baseURI,
  });
}

export const api = createApi(pickTransport(window));
