import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { api } from './lib/backend';
import { onDesktopNavigate } from './lib/backend/navigate';
import { AppState } from './lib/state/app.svelte';
import { applyTheme, savedTheme } from './lib/ui/theme';

applyTheme(savedTheme());
const app = new AppState(api);
app.start();
// The tray's status lines and Settings item open those screens in the window.
onDesktopNavigate(window, (screen) => (app.view = screen));

export default mount(App, { target: document.getElementById('app')!, props: { app } });
