import { describe, expect, it } from 'vitest';
import { conversation, delta, finished, message, started, streamingConversation } from '../../test/fixtures';
import { applyChatEvent, isStreaming, replay } from './messages';

const reply = (c: ReturnType<typeof conversation>) => c.messages.find((m) => m.id === 'a1')!;

describe('applyChatEvent: message.delta', () => {
  it('appends deltas that arrive in order', () => {
    const c = streamingConversation();
    expect(applyChatEvent(c, delta(0, 'Hel'))).toBe('applied');
    expect(applyChatEvent(c, delta(1, 'lo'))).toBe('applied');
    expect(reply(c).content).toBe('Hello');
    expect(reply(c).chunks).toBe(2);
  });

  it('ignores a delta it already holds, so a replayed or doubled event changes nothing', () => {
    const c = streamingConversation('Hello', 2);
    expect(applyChatEvent(c, delta(1, 'lo'))).toBe('ignored');
    expect(applyChatEvent(c, delta(0, 'Hel'))).toBe('ignored');
    expect(reply(c).content).toBe('Hello');
    expect(reply(c).chunks).toBe(2);
  });

  it('asks for a refetch when a delta is ahead of what it holds, and does not apply it', () => {
    const c = streamingConversation('Hel', 1);
    expect(applyChatEvent(c, delta(2, '!'))).toBe('refetch');
    expect(reply(c).content).toBe('Hel');
  });

  it('continues a snapshot taken mid-reply exactly where the snapshot ended', () => {
    // conversations.get after a reload: 3 deltas already in the content.
    const c = streamingConversation('The quick', 3);
    for (const [i, d] of [[1, 'e'], [2, ' quick'], [3, ' brown'], [4, ' fox']] as const) applyChatEvent(c, delta(i, d));
    expect(reply(c).content).toBe('The quick brown fox');
  });

  it('asks for a refetch for a message it has never seen', () => {
    const c = streamingConversation();
    expect(applyChatEvent(c, delta(0, 'x', 'other'))).toBe('refetch');
  });

  it('asks for a refetch when a snapshot has content but no chunk count to continue from', () => {
    const c = streamingConversation('partial');
    delete reply(c).chunks;
    expect(applyChatEvent(c, delta(5, 'x'))).toBe('refetch');
    expect(reply(c).content).toBe('partial');
  });

  it('ignores deltas for a reply that has already finished', () => {
    const c = conversation([message({ id: 'a1', position: 0, role: 'assistant', content: 'done' })]);
    expect(applyChatEvent(c, delta(0, 'late'))).toBe('ignored');
    expect(reply(c).content).toBe('done');
  });
});

describe('applyChatEvent: message.started and message.finished', () => {
  it('adds a new reply after the message before it', () => {
    const c = conversation([message({ id: 'u1', position: 0, role: 'user', content: 'hi' })]);
    const r = message({ id: 'a1', position: 1, role: 'assistant', status: 'streaming' });
    expect(applyChatEvent(c, started(r))).toBe('applied');
    expect(c.messages.map((m) => m.id)).toEqual(['u1', 'a1']);
    expect(reply(c).chunks).toBe(0);
    expect(isStreaming(c)).toBe(true);
  });

  it('asks for a refetch when the message before a new reply is missing (sent from another window)', () => {
    const c = conversation([
      message({ id: 'u1', position: 0, role: 'user' }),
      message({ id: 'a0', position: 1, role: 'assistant' }),
    ]);
    const r = message({ id: 'a1', position: 3, role: 'assistant', status: 'streaming' });
    expect(applyChatEvent(c, started(r))).toBe('refetch');
  });

  it('keeps a reply that is already streaming when its start is replayed', () => {
    const c = streamingConversation('Hello', 2);
    const again = message({ id: 'a1', position: 1, role: 'assistant', status: 'streaming' });
    expect(applyChatEvent(c, started(again))).toBe('ignored');
    expect(reply(c).content).toBe('Hello');
  });

  it('restarts a failed reply that is retried', () => {
    const c = conversation([
      message({ id: 'u1', position: 0, role: 'user' }),
      message({ id: 'a1', position: 1, role: 'assistant', status: 'error', content: 'part', error: 'boom' }),
    ]);
    const retried = message({ id: 'a1', position: 1, role: 'assistant', status: 'streaming' });
    expect(applyChatEvent(c, started(retried))).toBe('applied');
    expect(reply(c)).toMatchObject({ status: 'streaming', content: '', chunks: 0 });
    expect(reply(c).error).toBeUndefined();
  });

  it('replaces the last reply with a regenerated one that has a new id', () => {
    const c = conversation([
      message({ id: 'u1', position: 0, role: 'user' }),
      message({ id: 'old', position: 1, role: 'assistant', content: 'old answer' }),
    ]);
    const fresh = message({ id: 'new', position: 1, role: 'assistant', status: 'streaming' });
    expect(applyChatEvent(c, started(fresh))).toBe('applied');
    expect(c.messages.map((m) => m.id)).toEqual(['u1', 'new']);
  });

  it('takes the final content and status when a reply finishes', () => {
    const c = streamingConversation('Hel', 1);
    const final = message({ id: 'a1', position: 1, role: 'assistant', status: 'stopped', content: 'Hello', chunks: 2 });
    expect(applyChatEvent(c, finished(final))).toBe('applied');
    expect(reply(c)).toMatchObject({ status: 'stopped', content: 'Hello' });
    expect(reply(c).chunks).toBeUndefined();
    expect(isStreaming(c)).toBe(false);
  });
});

describe('replay', () => {
  it('brings a snapshot up to date with the events that arrived while it was fetched', () => {
    // Deltas 0..2 arrived during the fetch; the snapshot was taken after delta 1.
    const snapshot = streamingConversation('ab', 2);
    const events = [delta(0, 'a'), delta(1, 'b'), delta(2, 'c')];
    expect(replay(snapshot, events)).toBe('applied');
    expect(reply(snapshot).content).toBe('abc');
  });

  it('rebuilds a reply from a replayed start when the snapshot saw it finish', () => {
    const m = message({ id: 'a1', position: 1, role: 'assistant', status: 'done', content: 'abc' });
    const snapshot = conversation([message({ id: 'u1', position: 0, role: 'user' }), m]);
    const events = [
      started({ ...m, status: 'streaming', content: '' }),
      delta(0, 'a'),
      delta(1, 'b'),
      delta(2, 'c'),
      finished(m),
    ];
    replay(snapshot, events);
    expect(reply(snapshot)).toMatchObject({ status: 'done', content: 'abc' });
  });

  it('skips events of other conversations and reports a gap that remains', () => {
    const snapshot = streamingConversation('a', 1);
    expect(replay(snapshot, [delta(0, 'zz', 'a1', 'other')])).toBe('ignored');
    expect(replay(snapshot, [delta(3, 'd')])).toBe('refetch');
    expect(reply(snapshot).content).toBe('a');
  });
});
