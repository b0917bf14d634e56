import type { Theme } from '../backend';

// The choice is remembered in this browser too, so a dark-mode user does not see a white flash
// on every start before the settings arrive.
const KEY = 'c2l.theme';
const prefersDark = window.matchMedia('(prefers-color-scheme: dark)');
let chosen: Theme = 'system';

function resolve(): void {
  const dark = chosen === 'dark' || (chosen === 'system' && prefersDark.matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

prefersDark.addEventListener('change', resolve);

export function savedTheme(): Theme {
  const t = localStorage.getItem(KEY);
  return t === 'light' || t === 'dark' ? t : 'system';
}

/** Shows the theme; "system" follows the OS setting, also when it changes later. */
export function applyTheme(theme: Theme): void {
  chosen = theme;
  localStorage.setItem(KEY, theme);
  resolve();
}
