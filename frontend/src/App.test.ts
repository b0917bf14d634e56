import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import App from './App.svelte';
import { createApi } from './lib/backend';
import { AppState } from './lib/state/app.svelte';
import { account, conversation, delta, message, settings, status } from './test/fixtures';
import { FakeTransport, settle } from './test/fakeTransport';

const failed = () =>
  conversation(
    [
      message({ id: 'u1', position: 0, role: 'user', content: 'Tell me a story' }),
      message({ id: 'a1', position: 1, role: 'assistant', status: 'error', content: 'Once', error: 'Ollama went away' }),
    ],
    { title: 'A story' },
  );

async function mountApp(t: FakeTransport) {
  t.on('conversations.list', () => ({ conversations: [failed()] }))
    .on('settings.get', () => settings())
    .on('status.get', () => status())
    .on('models.list', () => ({ models: [{ name: 'tiny:latest', size: 1, modifiedAt: '' }] }))
    .on('conversations.get', () => failed())
    .on('auth.get', () => account());
  const app = new AppState(createApi(t));
  app.start();
  render(App, { props: { app } });
  await settle();
  await fireEvent.click(within(screen.getByTestId('conversation-item')).getByText('A story'));
  await settle();
  return app;
}

const reply = () => screen.getAllByTestId('message').find((m) => m.dataset.role === 'assistant')!;

describe('App', () => {
  it('shows a failed reply with its error, and Retry streams it again', async () => {
    const t = new FakeTransport().on('chat.retry', () => ({
      message: message({ id: 'a1', position: 1, role: 'assistant', status: 'streaming' }),
    }));
    await mountApp(t);
    expect(reply().dataset.status).toBe('error');
    expect(within(reply()).getByTestId('message-error').textContent).toBe('Ollama went away');

    await fireEvent.click(screen.getByTestId('retry-button'));
    await settle();
    expect(t.callsOf('chat.retry')[0]?.args).toEqual({ messageId: 'a1' });
    expect(reply().dataset.status).toBe('streaming');
    expect(screen.getByTestId('stop-button')).toBeTruthy();

    t.emit(delta(0, 'Once upon a time'));
    await settle();
    await new Promise((r) => requestAnimationFrame(r));
    expect(within(reply()).getByTestId('message-content').textContent).toContain('Once upon a time');
  });

  it('keeps an edit open with its text when submitting it fails, and says why', async () => {
    const t = new FakeTransport().fail('chat.edit', {
      code: 'conflict',
      message: 'a reply is already streaming',
      hint: 'Wait for it to finish.',
    });
    await mountApp(t);
    const user = screen.getAllByTestId('message').find((m) => m.dataset.role === 'user')!;
    await fireEvent.click(within(user).getByTestId('edit'));
    const editor = screen.getByTestId('edit-input') as HTMLTextAreaElement;
    expect(editor.value).toBe('Tell me a story');
    await fireEvent.input(editor, { target: { value: 'Tell me a shorter story' } });
    await fireEvent.click(screen.getByTestId('edit-submit'));
    await settle();
    expect(t.callsOf('chat.edit')[0]?.args).toEqual({ messageId: 'u1', content: 'Tell me a shorter story' });
    expect((screen.getByTestId('edit-input') as HTMLTextAreaElement).value).toBe('Tell me a shorter story');
    const banner = screen.getByTestId('error-banner');
    expect(banner.textContent).toContain('a reply is already streaming');
    expect(banner.textContent).toContain('Wait for it to finish.');
    await fireEvent.click(screen.getByTestId('error-dismiss'));
    expect(screen.queryByTestId('error-banner')).toBeNull();
  });

  it('renames a conversation inline and deletes it after confirmation', async () => {
    const t = new FakeTransport()
      .on('conversations.update', (a) => ({ ...failed(), title: a.title as string }))
      .on('conversations.delete', () => ({}));
    const app = await mountApp(t);
    const item = screen.getByTestId('conversation-item');
    await fireEvent.click(within(item).getByTestId('rename'));
    const input = screen.getByTestId('rename-input') as HTMLInputElement;
    await fireEvent.input(input, { target: { value: 'Bedtime' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    await settle();
    expect(t.callsOf('conversations.update')[0]?.args).toEqual({ id: 'c1', title: 'Bedtime' });
    expect(screen.getByTestId('conversation-item').textContent).toContain('Bedtime');

    await fireEvent.click(within(screen.getByTestId('conversation-item')).getByTestId('delete'));
    expect(t.callsOf('conversations.delete')).toHaveLength(0);
    await fireEvent.click(screen.getByTestId('confirm-delete'));
    await settle();
    expect(t.callsOf('conversations.delete')[0]?.args).toEqual({ id: 'c1' });
    expect(screen.queryByTestId('conversation-item')).toBeNull();
    expect(app.selectedId).toBeNull();
  });

  it('shows Ollama as unreachable with its hint, and checks again on request', async () => {
    const t = new FakeTransport().on('status.check', () => status());
    await mountApp(t);
    t.emit({ seq: 1, name: 'status.changed', data: status({ state: 'unreachable', hint: 'Start Ollama' }) });
    await settle();
    const line = screen.getByTestId('ollama-status');
    expect(line.dataset.state).toBe('unreachable');
    expect(line.textContent).toContain('Start Ollama');
    await fireEvent.click(screen.getByTestId('status-check'));
    await settle();
    expect(t.callsOf('status.check')).toHaveLength(1);
    expect(screen.getByTestId('ollama-status').dataset.state).toBe('reachable');
  });
});
