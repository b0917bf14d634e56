import type { ChatEvent, Conversation, Message } from '../backend';

/**
 * What applying an event did. `refetch`: the event shows that something was missed (a delta
 * ahead of what is held, a message never seen), so the conversation must be reloaded.
 */
export type ApplyResult = 'applied' | 'ignored' | 'refetch';

/**
 * How many deltas a streaming message's content holds. A snapshot without `chunks` but with
 * content cannot be continued exactly, so it is unknown and the next delta forces a reload.
 */
function heldChunks(m: Message): number | undefined {
  return m.chunks ?? (m.content === '' ? 0 : undefined);
}

function find(conv: Conversation, id: string): number {
  return conv.messages.findIndex((m) => m.id === id);
}

/**
 * Puts a message the server announced into the conversation: in place of the same id, or of a
 * reply at the same position (a regenerated reply gets a new id), or in position order.
 * Returns `refetch` when the message before it is missing (sent from another window).
 */
export function putMessage(conv: Conversation, m: Message): ApplyResult {
  const byId = find(conv, m.id);
  if (byId >= 0) {
    conv.messages[byId] = m;
    return 'applied';
  }
  const byPos = conv.messages.findIndex((x) => x.position === m.position);
  if (byPos >= 0) {
    conv.messages[byPos] = m;
    return 'applied';
  }
  let at = conv.messages.findIndex((x) => x.position > m.position);
  if (at < 0) at = conv.messages.length;
  conv.messages.splice(at, 0, m);
  const before = conv.messages[at - 1];
  return m.position === 0 || before?.position === m.position - 1 ? 'applied' : 'refetch';
}

/**
 * Applies one message event to the conversation it belongs to, in place. Deltas are applied only
 * when their index equals the number of deltas held, which makes replays and duplicates harmless
 * and lets a reloaded page continue a reply exactly where its snapshot ended.
 */
export function applyChatEvent(conv: Conversation, ev: ChatEvent): ApplyResult {
  switch (ev.name) {
    case 'message.started': {
      const held = conv.messages[find(conv, ev.data.message.id)];
      // The same generation already streaming here holds more than its start: keep it.
      if (held?.status === 'streaming') return 'ignored';
      return putMessage(conv, { ...ev.data.message, chunks: ev.data.message.chunks ?? 0 });
    }
    case 'message.delta': {
      const { messageId, index, delta } = ev.data;
      const held = conv.messages[find(conv, messageId)];
      if (!held) return 'refetch';
      if (held.status !== 'streaming') return 'ignored';
      const chunks = heldChunks(held);
      if (chunks === undefined || index > chunks) return 'refetch';
      if (index < chunks) return 'ignored';
      held.content += delta;
      held.chunks = chunks + 1;
      return 'applied';
    }
    case 'message.finished': {
      const final = { ...ev.data.message };
      delete final.chunks;
      return putMessage(conv, final);
    }
  }
}

/**
 * A snapshot (a call's result) brought up to date with the events that arrived while it was
 * being fetched. Replaying them is safe: each is either already in the snapshot (and ignored)
 * or newer. Returns whether the events still show a gap.
 */
export function replay(conv: Conversation, events: readonly ChatEvent[]): ApplyResult {
  let result: ApplyResult = 'ignored';
  for (const ev of events) {
    if (ev.data.conversationId !== conv.id) continue;
    const r = applyChatEvent(conv, ev);
    if (r === 'refetch') result = 'refetch';
    else if (r === 'applied' && result === 'ignored') result = 'applied';
  }
  return result;
}

/** Whether the conversation has a reply being generated. */
export function isStreaming(conv: Conversation | null): boolean {
  return !!conv?.messages.some((m) => m.status === 'streaming');
}
