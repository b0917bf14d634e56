// The types of docs/API.md, the contract with the Go backend. Keep them in step with that file.

export type Role = 'user' | 'assistant';
export type MessageStatus = 'streaming' | 'done' | 'stopped' | 'error' | 'interrupted';

export interface Message {
  id: string;
  conversationId: string;
  position: number;
  role: Role;
  content: string;
  status: MessageStatus;
  error?: string;
  model?: string;
  evalTokens?: number;
  evalDurationMs?: number;
  createdAt: string;
  updatedAt: string;
  /** Streaming only: how many message.delta events `content` already holds. */
  chunks?: number;
}

export interface ConversationSummary {
  id: string;
  title: string;
  model: string;
  createdAt: string;
  updatedAt: string;
}

export interface Conversation extends ConversationSummary {
  systemPrompt: string;
  temperature?: number;
  numCtx?: number;
  messages: Message[];
}

export interface Model {
  name: string;
  size: number;
  modifiedAt: string;
  family?: string;
  parameterSize?: string;
  quantization?: string;
}

export type Theme = 'light' | 'dark' | 'system';

export interface Settings {
  ollamaUrl: string;
  defaultModel: string;
  theme: Theme;
}

export interface OllamaStatus {
  state: 'checking' | 'reachable' | 'unreachable';
  url: string;
  version?: string;
  error?: string;
  hint?: string;
  checkedAt?: string;
}

export interface Status {
  ollama: OllamaStatus;
}

export interface ErrorBody {
  code: string;
  message: string;
  hint?: string;
}

/** Conversation parameters; `null` clears one back to the model's default. */
export interface ConversationParams {
  systemPrompt?: string;
  temperature?: number | null;
  numCtx?: number | null;
}

export interface MessageEventData {
  conversationId: string;
  message: Message;
}

export interface DeltaEventData {
  conversationId: string;
  messageId: string;
  index: number;
  delta: string;
}

/** Every event the backend sends, discriminated by name so handlers get typed data. */
export type BackendEvent =
  | { seq: number; name: 'message.started'; data: MessageEventData }
  | { seq: number; name: 'message.delta'; data: DeltaEventData }
  | { seq: number; name: 'message.finished'; data: MessageEventData }
  | { seq: number; name: 'conversation.updated'; data: ConversationSummary }
  | { seq: number; name: 'conversation.deleted'; data: { id: string } }
  | { seq: number; name: 'status.changed'; data: Status }
  | { seq: number; name: 'settings.changed'; data: Settings }
  | { seq: number; name: 'resync'; data: Record<string, never> };

/** The events that change a conversation's messages. */
export type ChatEvent = Extract<
  BackendEvent,
  { name: 'message.started' | 'message.delta' | 'message.finished' }
>;
