import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import App from '../../App.svelte';
import { createApi, type Diagnosis, type Status } from '../backend';
import { AppState } from '../state/app.svelte';
import { account, settings, status } from '../../test/fixtures';
import { FakeTransport, settle } from '../../test/fakeTransport';

async function mountApp(t: FakeTransport) {
  t.on('conversations.list', () => ({ conversations: [] }))
    .on('settings.get', () => settings())
    .on('status.get', () => status())
    .on('models.list', () => ({ models: [] }))
    .on('auth.get', () => account());
  const app = new AppState(createApi(t));
  app.start();
  render(App, { props: { app } });
  await settle();
  return app;
}

const part = (name: string) => screen.getByTestId('connection-status').querySelector<HTMLElement>(`[data-part="${name}"]`)!;

describe('Connection status screen', () => {
  it('opens from the status line and follows status.changed live', async () => {
    const t = new FakeTransport();
    await mountApp(t);
    await fireEvent.click(screen.getByTestId('open-connection'));
    await settle();
    const screenEl = screen.getByTestId('connection-status');
    expect(screenEl.dataset.overall).toBe('ready');
    expect(part('ollama').textContent).toContain('http://127.0.0.1:11434');
    expect(part('ollama').textContent).toContain('0.6.5');
    expect(part('account').dataset.state).toBe('signedOut');
    expect(part('relay').textContent).toContain('Off');

    const busy: Status = {
      ...status({ generating: 1, model: 'tiny', tokensPerSecond: 12.34 }),
      overall: 'attention',
      account: { state: 'error', error: 'token expired', hint: 'Sign in again.' },
      relay: { state: 'reconnecting', url: 'wss://relay.example' },
      remoteSessions: 2,
    };
    t.emit({ seq: 1, name: 'status.changed', data: busy });
    await settle();
    expect(screenEl.dataset.overall).toBe('attention');
    expect(screen.getByTestId('tokens-per-second').textContent).toBe('12.3 tokens/s');
    expect(part('ollama').textContent).toContain('tiny');
    expect(part('account').textContent).toContain('token expired');
    expect(part('account').textContent).toContain('Sign in again.');
    expect(part('relay').textContent).toContain('Reconnecting');
    expect(screen.getByTestId('remote-sessions').textContent).toBe('2 remote sessions');

    t.emit({ seq: 2, name: 'status.changed', data: status({ state: 'unreachable', hint: 'Start Ollama.', error: 'connection refused' }) });
    await settle();
    expect(screenEl.dataset.overall).toBe('down');
    expect(part('ollama').dataset.state).toBe('unreachable');
    expect(part('ollama').textContent).toContain('Start Ollama.');
  });

  it('checks now and diagnoses, showing what to do about each failure', async () => {
    const down = status({ state: 'unreachable', hint: 'Start Ollama.' });
    const diagnosis: Diagnosis = {
      checks: [
        { id: 'ollama.reachable', title: 'Ollama answers', result: 'fail', detail: 'connection refused', hint: 'Start Ollama.', durationMs: 1 },
        { id: 'ollama.version', title: 'Ollama version', result: 'skipped', detail: 'Ollama did not answer', durationMs: 0 },
        { id: 'relay', title: 'Remote access', result: 'notSetUp', detail: 'remote access is not set up', durationMs: 0 },
      ],
      status: down,
    };
    const t = new FakeTransport().on('status.check', () => down).on('status.diagnose', () => diagnosis);
    const app = await mountApp(t);
    app.view = 'status';
    await settle();
    await fireEvent.click(screen.getByTestId('connection-check'));
    await settle();
    expect(t.callsOf('status.check')).toHaveLength(1);
    expect(screen.getByTestId('connection-status').dataset.overall).toBe('down');

    await fireEvent.click(screen.getByTestId('run-diagnostics'));
    await settle();
    const list = screen.getByTestId('diagnostics');
    const reach = list.querySelector<HTMLElement>('[data-check="ollama.reachable"]')!;
    expect(reach.dataset.result).toBe('fail');
    expect(within(reach).getByText('Start Ollama.')).toBeTruthy();
    expect(list.querySelector<HTMLElement>('[data-check="relay"]')!.dataset.result).toBe('notSetUp');

    await fireEvent.click(screen.getByRole('button', { name: 'Back to chat' }));
    expect(app.view).toBe('chat');
  });
});
