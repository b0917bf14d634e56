import { isWails } from './wails';

/** The screens the desktop can open from outside the page (its tray menu). */
export type Screen = 'chat' | 'settings' | 'status';

/** The Wails event app.go emits with a Screen when the tray menu asks for one. */
export const NAVIGATE_EVENT = 'navigate';

function isScreen(v: unknown): v is Screen {
  return v === 'chat' || v === 'settings' || v === 'status';
}

/**
 * On the desktop, calls go with each screen the tray asks for. Not a backend event on purpose: a
 * click in the desktop's tray must not move a browser that uses the same desktop from far away.
 */
export function onDesktopNavigate(w: object, go: (screen: Screen) => void): void {
  if (!isWails(w)) return;
  const on = w.runtime.EventsOn as unknown as (name: string, cb: (data: unknown) => void) => unknown;
  on(NAVIGATE_EVENT, (screen) => {
    if (isScreen(screen)) go(screen);
  });
}
