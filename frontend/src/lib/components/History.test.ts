import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import App from '../../App.svelte';
import { createApi, type ConversationSummary, type Message } from '../backend';
import type { HistoryFiles } from '../backend/files';
import { AppState } from '../state/app.svelte';
import { account, conversation, message, settings, status } from '../../test/fixtures';
import { FakeTransport, settle } from '../../test/fakeTransport';

const summary = (id: string, title: string): ConversationSummary => ({
  id,
  title,
  model: 'tiny',
  createdAt: '2025-01-01T00:00:00Z',
  updatedAt: '2025-01-01T00:00:00Z',
});

const msgs: Message[] = Array.from({ length: 6 }, (_, i) =>
  message({ id: `m${i}`, position: i, role: i % 2 ? 'assistant' : 'user', content: `message ${i}` }),
);

async function mountApp(t: FakeTransport, files?: HistoryFiles) {
  t.on('conversations.list', () => ({ conversations: [summary('c1', 'Otter notes'), summary('c2', 'Badgers')] }))
    .on('settings.get', () => settings())
    .on('status.get', () => status())
    .on('models.list', () => ({ models: [{ name: 'tiny', size: 1, modifiedAt: '' }] }))
    .on('auth.get', () => account())
    .on('tags.list', () => ({ tags: [] }))
    .on('conversations.get', () => conversation(msgs, { title: 'Otter notes' }));
  const app = new AppState(createApi(t), files);
  app.start();
  render(App, { props: { app } });
  await settle();
  return app;
}

async function search(text: string) {
  const box = screen.getByTestId('search-input');
  await fireEvent.input(box, { target: { value: text } });
  await fireEvent.keyDown(box, { key: 'Enter' });
  await settle();
}

describe('history in the UI', () => {
  it('shows search results with the matches marked, as text, and opens one at its message', async () => {
    const t = new FakeTransport().on('history.search', () => ({
      results: [
        {
          conversationId: 'c1',
          conversationTitle: 'Otter notes',
          messageId: 'm3',
          position: 3,
          role: 'assistant',
          createdAt: '2025-01-01T00:00:00Z',
          snippet: [{ text: 'Render <script>alert(1)</script> and ' }, { text: 'otters', hit: true }],
        },
      ],
    }));
    await mountApp(t);
    await search('otters');
    const result = screen.getByTestId('search-result');
    expect(within(result).getByText('otters').tagName).toBe('MARK');
    // The snippet's markup is text: no element was made from it.
    expect(result.querySelector('script')).toBeNull();
    expect(result.textContent).toContain('<script>alert(1)</script>');
    expect(screen.queryAllByTestId('conversation-item')).toHaveLength(0);

    await fireEvent.click(result);
    await settle();
    expect(t.callsOf('conversations.get').at(-1)?.args).toEqual({ id: 'c1', limit: 40, around: 'm3' });
    const marked = screen.getAllByTestId('message').filter((m) => m.dataset.highlighted === 'true');
    expect(marked.map((m) => m.dataset.messageId)).toEqual(['m3']);

    // Escape clears the search and the list comes back.
    await fireEvent.keyDown(screen.getByTestId('search-input'), { key: 'Escape' });
    await settle();
    expect(screen.getAllByTestId('conversation-item')).toHaveLength(2);
  });

  it('says what to type when a search cannot be run', async () => {
    const t = new FakeTransport().fail('history.search', {
      code: 'bad_request',
      message: 'cannot search for that: type at least 2 letters before *',
    });
    await mountApp(t);
    await search('q*');
    expect(screen.getByTestId('search-error').textContent).toContain('at least 2 letters');
    expect(screen.queryAllByTestId('error-banner')).toHaveLength(0);
  });

  it('deletes with an undo toast, and undo restores', async () => {
    const t = new FakeTransport()
      .on('conversations.delete', () => ({ undoToken: 'tok' }))
      .on('conversations.restore', () => ({ ids: ['c2'] }));
    await mountApp(t);
    const item = screen.getAllByTestId('conversation-item').find((el) => el.dataset.conversationId === 'c2')!;
    await fireEvent.click(within(item).getByTestId('delete'));
    await fireEvent.click(within(item).getByTestId('confirm-delete'));
    await settle();
    expect(screen.getAllByTestId('conversation-item')).toHaveLength(1);
    expect(screen.getByTestId('undo-toast').textContent).toContain('“Badgers” deleted');
    await fireEvent.click(screen.getByTestId('undo-button'));
    await settle();
    expect(t.callsOf('conversations.restore')[0]?.args).toEqual({ undoToken: 'tok' });
    expect(screen.queryByTestId('undo-toast')).toBeNull();
    expect(screen.getAllByTestId('conversation-item')).toHaveLength(2);
  });

  it('pins a conversation to the top', async () => {
    const t = new FakeTransport().on('conversations.update', (args) => ({
      ...conversation([], summary('c2', 'Badgers')),
      pinned: args.pinned,
    }));
    await mountApp(t);
    const item = screen.getAllByTestId('conversation-item').find((el) => el.dataset.conversationId === 'c2')!;
    await fireEvent.click(within(item).getByTestId('pin'));
    await settle();
    expect(t.callsOf('conversations.update')[0]?.args).toEqual({ id: 'c2', pinned: true });
    const first = screen.getAllByTestId('conversation-item')[0]!;
    expect(first.dataset.conversationId).toBe('c2');
    expect(first.dataset.pinned).toBe('true');
  });

  it('asks before deleting everything, then offers to undo', async () => {
    const t = new FakeTransport().on('conversations.deleteAll', () => ({ count: 2, undoToken: 'all' }));
    await mountApp(t);
    await fireEvent.click(screen.getByTestId('open-settings'));
    await fireEvent.click(screen.getByTestId('delete-all'));
    expect(t.callsOf('conversations.deleteAll')).toHaveLength(0);
    t.on('conversations.list', () => ({ conversations: [] }));
    await fireEvent.click(screen.getByTestId('confirm-delete-all'));
    await settle();
    expect(t.callsOf('conversations.deleteAll')).toHaveLength(1);
    expect(screen.getByTestId('undo-toast').textContent).toContain('2 conversations deleted');
  });

  it('imports a chosen file and says what it brought in', async () => {
    const chosen: (File | undefined)[] = [];
    const files: HistoryFiles = {
      picksFiles: true,
      export: async () => ({ cancelled: false }),
      import: async (f) => {
        chosen.push(f);
        return { cancelled: false, result: { format: 'chatgpt', conversations: 4, messages: 20, skipped: 0 } };
      },
    };
    await mountApp(new FakeTransport(), files);
    await fireEvent.click(screen.getByTestId('open-settings'));
    const file = new File(['[]'], 'conversations.json', { type: 'application/json' });
    const input = screen.getByTestId('import-file') as HTMLInputElement;
    Object.defineProperty(input, 'files', { value: [file] });
    await fireEvent.change(input);
    await settle();
    expect(chosen).toEqual([file]);
    expect(screen.getByTestId('history-notice').textContent).toBe(
      'Imported 4 conversations (20 messages) from a ChatGPT export.',
    );
  });
});
