import { getContext, setContext } from 'svelte';
import type { AppState } from './app.svelte';

// Components reach the app state through context rather than a module singleton, so tests can
// render a component against a state built on a fake backend.
const KEY = Symbol('app-state');

export function provideApp(app: AppState): void {
  setContext(KEY, app);
}

export function useApp(): AppState {
  const app = getContext<AppState | undefined>(KEY);
  if (!app) throw new Error('useApp() outside <App>');
  return app;
}

/** The app state where there is one; undefined for a component rendered on its own (unit tests). */
export function useAppOptional(): AppState | undefined {
  return getContext<AppState | undefined>(KEY);
}
