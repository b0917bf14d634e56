import type { BackendEvent, ErrorBody } from './types';

/** A failed call, with the backend's code, a message a person can read and what to do about it. */
export class BackendError extends Error implements ErrorBody {
  readonly code: string;
  readonly hint?: string;

  constructor(body: ErrorBody) {
    super(body.message);
    this.name = 'BackendError';
    this.code = body.code;
    if (body.hint) this.hint = body.hint;
  }

  static from(err: unknown): BackendError {
    if (err instanceof BackendError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new BackendError({ code: 'internal', message });
  }
}

/**
 * `open`: events flow. `connecting`: the first connection is being made. `reconnecting`: the
 * stream dropped and is being re-established; events may have been missed.
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting';

export interface ConnectionListener {
  (state: ConnectionState): void;
}

/** One way of reaching the backend: the desktop's Wails bridge or HTTP + SSE. */
export interface Transport {
  /** Runs an operation; rejects with a BackendError. */
  call<T>(op: string, args: object): Promise<T>;
  /** Receives every event until the returned function is called. */
  subscribe(handler: (ev: BackendEvent) => void): () => void;
  /**
   * Reports the event stream's state now and on every change. After `reconnecting` → `open`
   * the listener must assume it missed events and reload what it shows.
   */
  onConnection(listener: ConnectionListener): () => void;
}

/** Fans one source of events out to many handlers, so each transport opens its stream once. */
export class Fanout<T> {
  private readonly handlers = new Set<(value: T) => void>();

  add(handler: (value: T) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  get size(): number {
    return this.handlers.size;
  }

  emit(value: T): void {
    for (const h of [...this.handlers]) {
      try {
        h(value);
      } catch (err) {
        // One broken handler must not stop the others from seeing the event.
        console.error(err);
      }
    }
  }
}
