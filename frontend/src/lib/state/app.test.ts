import { beforeEach, describe, expect, it } from 'vitest';
import { createApi, type Conversation } from '../backend';
import { account, conversation, delta, message, settings, status, streamingConversation } from '../../test/fixtures';
import { FakeTransport, settle } from '../../test/fakeTransport';
import { AppState } from './app.svelte';

function backend(): FakeTransport {
  return new FakeTransport()
    .on('conversations.list', () => ({ conversations: [] }))
    .on('settings.get', () => settings())
    .on('status.get', () => status())
    .on('models.list', () => ({ models: [{ name: 'tiny', size: 1, modifiedAt: '' }] }))
    .on('auth.get', () => account());
}

async function started(t: FakeTransport): Promise<AppState> {
  const app = new AppState(createApi(t));
  app.start();
  await settle();
  return app;
}

const replyText = (app: AppState) => app.current?.messages.find((m) => m.id === 'a1')?.content;

describe('AppState', () => {
  let t: FakeTransport;
  beforeEach(() => {
    t = backend();
  });

  it('loads the list, settings, status and models when it starts', async () => {
    const app = await started(t);
    expect(app.settings?.defaultModel).toBe('tiny');
    expect(app.status?.ollama.state).toBe('reachable');
    expect(app.models.map((m) => m.name)).toEqual(['tiny']);
    expect(app.model).toBe('tiny');
  });

  it('streams deltas into the open conversation and refetches it when one is missing', async () => {
    let snapshot: Conversation = streamingConversation('', 0);
    t.on('conversations.get', () => structuredClone(snapshot));
    const app = await started(t);
    await app.open('c1');

    t.emit(delta(0, 'Hel'));
    t.emit(delta(1, 'lo'));
    t.emit(delta(1, 'lo')); // a duplicate
    expect(replyText(app)).toBe('Hello');
    expect(t.callsOf('conversations.get')).toHaveLength(1);

    // Delta 2 never arrives; the server holds 4 deltas by now.
    snapshot = streamingConversation('Hello, wo', 4);
    t.emit(delta(3, 'wo'));
    await settle();
    expect(t.callsOf('conversations.get')).toHaveLength(2);
    expect(replyText(app)).toBe('Hello, wo');

    t.emit(delta(4, 'rld'));
    expect(replyText(app)).toBe('Hello, world');
  });

  it('applies the events that arrive while a conversation is being fetched', async () => {
    let answer!: (c: Conversation) => void;
    t.on('conversations.get', () => new Promise<Conversation>((r) => (answer = r)));
    const app = await started(t);
    const opening = app.open('c1');
    await settle();
    // The snapshot is taken after delta 0; deltas 0 and 1 reach the page before its answer.
    t.emit(delta(0, 'a'));
    t.emit(delta(1, 'b'));
    answer(streamingConversation('a', 1));
    await opening;
    expect(replyText(app)).toBe('ab');
  });

  it('reloads the list and the open conversation on resync and after reconnecting', async () => {
    t.on('conversations.get', () => streamingConversation('x', 1));
    const app = await started(t);
    await app.open('c1');
    const lists = t.callsOf('conversations.list').length;
    const gets = t.callsOf('conversations.get').length;

    t.emit({ seq: 9, name: 'resync', data: {} });
    await settle();
    expect(t.callsOf('conversations.list').length).toBe(lists + 1);
    expect(t.callsOf('conversations.get').length).toBe(gets + 1);

    t.setConnection('reconnecting');
    expect(app.connection).toBe('reconnecting');
    t.setConnection('open');
    await settle();
    expect(t.callsOf('conversations.list').length).toBe(lists + 2);
    expect(t.callsOf('conversations.get').length).toBe(gets + 2);
  });

  it('starts a new conversation with the chosen model and opens it', async () => {
    const sent = conversation([
      message({ id: 'u1', position: 0, role: 'user', content: 'hi' }),
      message({ id: 'a1', position: 1, role: 'assistant', status: 'streaming' }),
    ]);
    t.on('chat.send', () => ({ conversation: sent }));
    t.on('settings.update', (a) => settings({ defaultModel: a.defaultModel as string }));
    const app = await started(t);
    await app.chooseModel('other');
    expect(await app.send('  hi  ')).toBe(true);
    expect(t.callsOf('chat.send')[0]?.args).toEqual({ model: 'other', content: 'hi' });
    expect(t.callsOf('settings.update')[0]?.args).toEqual({ defaultModel: 'other' });
    expect(app.selectedId).toBe('c1');
    expect(app.streaming).toBe(true);
    expect(app.conversations.map((c) => c.id)).toEqual(['c1']);
  });

  it('reports a failed send as a banner with its hint and resolves false', async () => {
    t.fail('chat.send', {
      code: 'ollama_unreachable',
      message: 'Ollama is not running',
      hint: 'Start Ollama',
    });
    const app = await started(t);
    expect(await app.send('hello')).toBe(false);
    expect(app.banners).toEqual([
      { id: expect.any(Number), code: 'ollama_unreachable', message: 'Ollama is not running', hint: 'Start Ollama' },
    ]);
    // The same failure again is not a second banner.
    await app.send('hello');
    expect(app.banners).toHaveLength(1);
    app.dismiss(app.banners[0]!.id);
    expect(app.banners).toHaveLength(0);
  });

  it('follows conversation, status and settings events', async () => {
    t.on('conversations.get', () => streamingConversation());
    const app = await started(t);
    await app.open('c1');
    t.emit({
      seq: 1,
      name: 'conversation.updated',
      data: { id: 'c1', title: 'Renamed', model: 'tiny', createdAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-02T00:00:00Z' },
    });
    expect(app.current?.title).toBe('Renamed');
    expect(app.conversations[0]?.title).toBe('Renamed');

    t.emit({ seq: 2, name: 'status.changed', data: status({ state: 'unreachable', hint: 'Start it' }) });
    expect(app.status?.ollama.hint).toBe('Start it');
    // Models could not be listed while Ollama was away: they are listed again once it is back.
    const listed = t.callsOf('models.list').length;
    t.emit({ seq: 3, name: 'status.changed', data: status({ state: 'reachable' }) });
    expect(t.callsOf('models.list')).toHaveLength(listed + 1);
    t.emit({ seq: 4, name: 'settings.changed', data: settings({ theme: 'dark' }) });
    expect(app.settings?.theme).toBe('dark');

    t.emit({ seq: 5, name: 'conversation.deleted', data: { id: 'c1' } });
    expect(app.conversations).toEqual([]);
    expect(app.selectedId).toBeNull();
    expect(app.current).toBeNull();
  });

  it('puts a retried reply back to streaming', async () => {
    const failed = conversation([
      message({ id: 'u1', position: 0, role: 'user' }),
      message({ id: 'a1', position: 1, role: 'assistant', status: 'error', content: 'par', error: 'boom' }),
    ]);
    t.on('conversations.get', () => failed);
    t.on('chat.retry', () => ({ message: message({ id: 'a1', position: 1, role: 'assistant', status: 'streaming' }) }));
    const app = await started(t);
    await app.open('c1');
    expect(app.streaming).toBe(false);
    expect(await app.retry('a1')).toBe(true);
    expect(t.callsOf('chat.retry')[0]?.args).toEqual({ messageId: 'a1' });
    expect(app.streaming).toBe(true);
    t.emit(delta(0, 'new'));
    expect(replyText(app)).toBe('new');
  });

  it('hides sign-in where the desktop refuses it, without a banner, and follows account changes', async () => {
    t.fail('auth.get', { code: 'forbidden', message: 'auth.get can only be done on the desktop itself' });
    const app = await started(t);
    expect(app.account).toBeNull();
    expect(app.banners).toEqual([]);

    t.emit({ seq: 1, name: 'account.changed', data: account({ state: 'signedIn', profile: { subject: 's', name: 'Ada' } }) });
    expect(app.account?.profile?.name).toBe('Ada');
  });
});
