import type { Account, ChatEvent, Conversation, Message, OllamaStatus, Settings, Status } from '../lib/backend';

let seq = 0;

export function message(over: Partial<Message> & Pick<Message, 'id' | 'position' | 'role'>): Message {
  return {
    conversationId: 'c1',
    content: '',
    status: 'done',
    createdAt: '2025-01-01T00:00:00Z',
    updatedAt: '2025-01-01T00:00:00Z',
    ...over,
  };
}

export function conversation(messages: Message[], over: Partial<Conversation> = {}): Conversation {
  return {
    id: 'c1',
    title: 'Chat',
    model: 'tiny',
    createdAt: '2025-01-01T00:00:00Z',
    updatedAt: '2025-01-01T00:00:00Z',
    systemPrompt: '',
    messages,
    ...over,
  };
}

export function delta(index: number, text: string, messageId = 'a1', conversationId = 'c1'): ChatEvent {
  return { seq: ++seq, name: 'message.delta', data: { conversationId, messageId, index, delta: text } };
}

export function started(m: Message): ChatEvent {
  return { seq: ++seq, name: 'message.started', data: { conversationId: m.conversationId, message: m } };
}

export function finished(m: Message): ChatEvent {
  return { seq: ++seq, name: 'message.finished', data: { conversationId: m.conversationId, message: m } };
}

/** The question and a reply streaming with `chunks` deltas held. */
export function streamingConversation(content = '', chunks = 0): Conversation {
  return conversation([
    message({ id: 'u1', position: 0, role: 'user', content: 'hi' }),
    message({ id: 'a1', position: 1, role: 'assistant', status: 'streaming', content, chunks }),
  ]);
}

export function status(ollama: Partial<OllamaStatus> = {}): Status {
  return {
    overall: ollama.state === 'unreachable' ? 'down' : 'ready',
    ollama: { state: 'reachable', url: 'http://127.0.0.1:11434', version: '0.6.5', ...ollama },
    account: { state: 'signedOut' },
    relay: { state: 'off' },
    remoteSessions: 0,
  };
}

export function settings(over: Partial<Settings> = {}): Settings {
  return {
    ollamaUrl: '',
    defaultModel: 'tiny',
    theme: 'system',
    startMinimized: false,
    notifications: true,
    remoteModelChanges: false,
    ...over,
  };
}

export function account(over: Partial<Account> = {}): Account {
  return {
    state: 'signedOut',
    config: { issuer: 'https://id.example.com', clientId: 'desktop', scopes: [] },
    remembered: false,
    ...over,
  };
}
