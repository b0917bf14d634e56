import { beforeEach, describe, expect, it } from 'vitest';
import { createApi, type ConversationSummary, type Message, type SearchResult } from '../backend';
import { account, conversation, delta, message, settings, status } from '../../test/fixtures';
import { FakeTransport, settle } from '../../test/fakeTransport';
import { AppState } from './app.svelte';
import { describeImport } from './history.svelte';

function summary(id: string, over: Partial<ConversationSummary> = {}): ConversationSummary {
  return { id, title: id, model: 'tiny', createdAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:00:00Z', ...over };
}

/** A conversation of n messages; the window of it the backend would return for args. */
function windowOf(n: number, args: Record<string, unknown>) {
  const all: Message[] = Array.from({ length: n }, (_, i) =>
    message({ id: `m${i}`, position: i, role: i % 2 ? 'assistant' : 'user', content: `message ${i}` }),
  );
  const limit = Number(args.limit ?? n);
  let from: number;
  if (typeof args.around === 'string') from = Math.max(0, Number(args.around.slice(1)) - Math.floor(limit / 3));
  else if (typeof args.before === 'number') from = Math.max(0, args.before - limit);
  else if (typeof args.after === 'number') from = args.after + 1;
  else from = Math.max(0, n - limit);
  const to =
    typeof args.before === 'number' ? args.before : Math.min(n, from + limit);
  const messages = all.slice(from, to);
  return conversation(messages, { hasBefore: from > 0, hasAfter: to < n });
}

function backend(): FakeTransport {
  return new FakeTransport()
    .on('conversations.list', () => ({ conversations: [summary('c1'), summary('c2')] }))
    .on('settings.get', () => settings())
    .on('status.get', () => status())
    .on('models.list', () => ({ models: [] }))
    .on('auth.get', () => account())
    .on('tags.list', () => ({ tags: [{ name: 'work', count: 1 }] }))
    .on('conversations.get', (args) => windowOf(1000, args));
}

async function started(t: FakeTransport): Promise<AppState> {
  const app = new AppState(createApi(t));
  app.start();
  await settle();
  return app;
}

const result = (over: Partial<SearchResult> = {}): SearchResult => ({
  conversationId: 'c1',
  conversationTitle: 'Chat',
  messageId: 'm500',
  position: 500,
  role: 'user',
  createdAt: '2025-01-01T00:00:00Z',
  snippet: [{ text: 'about ' }, { text: 'otters', hit: true }],
  ...over,
});

describe('history', () => {
  let t: FakeTransport;
  beforeEach(() => {
    t = backend();
  });

  it('loads the list a page at a time and a conversation a window at a time', async () => {
    t.on('conversations.list', (args) =>
      args.cursor ? { conversations: [summary('c3')] } : { conversations: [summary('c1'), summary('c2')], nextCursor: 'p2' },
    );
    const app = await started(t);
    expect(t.callsOf('conversations.list')[0]?.args).toEqual({ limit: 100 });
    expect(app.listCursor).toBe('p2');
    await app.loadMoreConversations();
    expect(app.conversations.map((c) => c.id)).toEqual(['c1', 'c2', 'c3']);
    expect(app.listCursor).toBeUndefined();

    await app.open('c1');
    expect(t.callsOf('conversations.get')[0]?.args).toEqual({ id: 'c1', limit: 40 });
    expect(app.current?.messages).toHaveLength(40);
    expect(app.current?.messages[0]?.position).toBe(960);
    expect(app.current?.hasBefore).toBe(true);

    await app.loadEarlier();
    expect(t.callsOf('conversations.get')[1]?.args).toEqual({ id: 'c1', limit: 100, before: 960 });
    expect(app.current?.messages).toHaveLength(140);
    expect(app.current?.messages.map((m) => m.position).slice(0, 2)).toEqual([860, 861]);
  });

  it('opens a search result around its message and ignores the live end until it is loaded', async () => {
    const app = await started(t);
    await app.history.search('otters');
    expect(app.history.results).toEqual([]);
    t.on('history.search', () => ({ results: [result()] }));
    await app.history.search('otters');
    expect(t.callsOf('history.search').at(-1)?.args).toEqual({ query: 'otters', limit: 30 });
    await app.history.openResult(app.history.results[0]!);
    expect(t.callsOf('conversations.get').at(-1)?.args).toEqual({ id: 'c1', limit: 40, around: 'm500' });
    expect(app.focusMessageId).toBe('m500');
    expect(app.current?.messages.some((m) => m.id === 'm500')).toBe(true);
    expect(app.current?.hasAfter).toBe(true);

    // A reply streaming at the end is not in this window: its deltas do not refetch the window.
    const gets = t.callsOf('conversations.get').length;
    t.emit(delta(3, 'x', 'm999', 'c1'));
    await settle();
    expect(t.callsOf('conversations.get')).toHaveLength(gets);

    await app.loadLater();
    expect(t.callsOf('conversations.get').at(-1)?.args).toMatchObject({ id: 'c1', limit: 100 });
    expect(app.current?.messages.at(-1)?.position).toBeGreaterThan(500);
  });

  it('shows a query that cannot be searched under the box, not as a banner', async () => {
    t.fail('history.search', { code: 'bad_request', message: 'cannot search for that: type a word to look for' });
    const app = await started(t);
    await app.history.search('***');
    expect(app.history.searchError).toBe('cannot search for that: type a word to look for');
    expect(app.banners).toEqual([]);
    await app.history.search('');
    expect(app.history.searchError).toBeNull();
  });

  it('keeps only the newest answer when searches overlap', async () => {
    let answer!: (v: unknown) => void;
    t.on('history.search', (args) =>
      args.query === 'slow'
        ? new Promise((r) => (answer = r))
        : { results: [result({ messageId: 'fast' })] },
    );
    const app = await started(t);
    const slow = app.history.search('slow');
    await app.history.search('fast');
    answer({ results: [result({ messageId: 'slow' })] });
    await slow;
    expect(app.history.results.map((r) => r.messageId)).toEqual(['fast']);
  });

  it('offers to undo a delete, and undo brings the conversation back', async () => {
    t.on('conversations.delete', () => ({ undoToken: 'tok' })).on('conversations.restore', () => ({ ids: ['c1'] }));
    const app = await started(t);
    await app.remove('c1');
    expect(app.conversations.map((c) => c.id)).toEqual(['c2']);
    expect(app.history.undo).toEqual({ token: 'tok', what: '“c1” deleted' });
    await app.history.undoDelete();
    expect(t.callsOf('conversations.restore')[0]?.args).toEqual({ undoToken: 'tok' });
    expect(app.history.undo).toBeNull();
    expect(app.conversations.map((c) => c.id)).toEqual(['c1', 'c2']);
  });

  it('deletes everything on request, and a history.changed event reloads the list', async () => {
    t.on('conversations.deleteAll', () => ({ count: 2, undoToken: 'all' }));
    const app = await started(t);
    await app.open('c1');
    t.on('conversations.list', () => ({ conversations: [] }));
    await app.history.deleteAll();
    expect(t.callsOf('conversations.deleteAll')[0]?.args).toEqual({ confirm: true });
    expect(app.selectedId).toBeNull();
    expect(app.conversations).toEqual([]);
    expect(app.history.undo?.what).toBe('2 conversations deleted');

    t.on('conversations.list', () => ({ conversations: [summary('c9')] }));
    t.emit({ seq: 99, name: 'history.changed', data: { reason: 'imported' } });
    await settle();
    expect(app.conversations.map((c) => c.id)).toEqual(['c9']);
  });

  it('pins first and files by tag', async () => {
    t.on('conversations.update', (args) => ({ ...windowOf(2, {}), ...summary(String(args.id)), ...args }));
    const app = await started(t);
    await app.history.pin('c2', true);
    expect(app.conversations.map((c) => c.id)).toEqual(['c2', 'c1']);
    expect(app.conversations[0]?.pinned).toBe(true);

    await app.history.setTags('c1', ['work']);
    expect(t.callsOf('conversations.update').at(-1)?.args).toEqual({ id: 'c1', tags: ['work'] });
    t.on('conversations.list', (args) => ({ conversations: args.tag === 'work' ? [summary('c1', { tags: ['work'] })] : [] }));
    await app.history.filterTag('work');
    expect(t.callsOf('conversations.list').at(-1)?.args).toEqual({ limit: 100, tag: 'work' });
    expect(app.conversations.map((c) => c.id)).toEqual(['c1']);
    // An update that takes the tag away takes the conversation out of the filtered list.
    t.emit({ seq: 100, name: 'conversation.updated', data: summary('c1', { tags: [] }) });
    expect(app.conversations).toEqual([]);
  });

  it('describes an import', () => {
    expect(describeImport({ format: 'chatgpt', conversations: 2, messages: 9, skipped: 1 })).toBe(
      'Imported 2 conversations (9 messages) from a ChatGPT export. 1 was already here or empty, and skipped.',
    );
  });
});
