import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { api } from './lib/backend';
import { desktopFiles, downloadWithLink, webFiles } from './lib/backend/files';
import { isWails } from './lib/backend/wails';
import { onDesktopNavigate } from './lib/backend/navigate';
import { AppState } from './lib/state/app.svelte';
import { applyTheme, savedTheme } from './lib/ui/theme';

applyTheme(savedTheme());
// Export and import: the desktop's own dialogs, or a browser's download and upload.
const files = isWails(window)
  ? desktopFiles(api)
  : webFiles({ fetch: (i, init) => window.fetch(i, init), baseUrl: document.baseURI, download: downloadWithLink(document) });
const app = new AppState(api, files);
app.start();
// The tray's status lines and Settings item open those screens in the window.
onDesktopNavigate(window, (screen) => (app.view = screen));

export default mount(App, { target: document.getElementById('app')!, props: { app } });
