import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { api } from './lib/backend';
import { AppState } from './lib/state/app.svelte';
import { applyTheme, savedTheme } from './lib/ui/theme';

applyTheme(savedTheme());
const app = new AppState(api);
app.start();

export default mount(App, { target: document.getElementById('app')!, props: { app } });
