import { describe, expect, it } from 'vitest';
import { NAVIGATE_EVENT, onDesktopNavigate, type Screen } from './navigate';

function wailsWindow() {
  const handlers = new Map<string, (data: unknown) => void>();
  const w = {
    go: { main: { App: { Call: async () => ({}) } } },
    runtime: { EventsOn: (name: string, cb: (data: unknown) => void) => handlers.set(name, cb) },
  };
  return { w, emit: (name: string, data: unknown) => handlers.get(name)?.(data), handlers };
}

describe('desktop navigation', () => {
  it('opens the screens the tray asks for, and nothing else', () => {
    const { w, emit } = wailsWindow();
    const seen: Screen[] = [];
    onDesktopNavigate(w, (s) => seen.push(s));
    emit(NAVIGATE_EVENT, 'status');
    emit(NAVIGATE_EVENT, 'settings');
    emit(NAVIGATE_EVENT, 'nowhere');
    emit(NAVIGATE_EVENT, { screen: 'status' });
    emit('backend', 'status');
    expect(seen).toEqual(['status', 'settings']);
  });

  it('does nothing in a browser', () => {
    const seen: Screen[] = [];
    onDesktopNavigate({ fetch: () => undefined }, (s) => seen.push(s));
    expect(seen).toEqual([]);
  });
});
