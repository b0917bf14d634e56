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
  /** Pictures the person attached, for vision models. */
  images?: Image[];
  evalTokens?: number;
  evalDurationMs?: number;
  createdAt: string;
  updatedAt: string;
  /** Streaming only: how many message.delta events `content` already holds. */
  chunks?: number;
}

export interface Image {
  mediaType: string;
  /** base64 */
  data: string;
}

export interface ConversationSummary {
  id: string;
  title: string;
  model: string;
  /** The model server it uses; absent: this computer's Ollama. */
  endpointId?: string;
  createdAt: string;
  updatedAt: string;
  /** Pinned conversations come first in the list. */
  pinned?: boolean;
  /** Tags file a conversation (a tag works as a folder; one conversation can be in several). */
  tags?: string[];
}

export interface Conversation extends ConversationSummary {
  systemPrompt: string;
  temperature?: number;
  numCtx?: number;
  /** All the messages, or a window of them (then hasBefore/hasAfter say what lies outside). */
  messages: Message[];
  hasBefore?: boolean;
  hasAfter?: boolean;
}

// --- history (docs/API.md "Search", "Export and import") -----------------------------------

/** Which messages of a conversation to load: the last `limit`, or before/after a position, or around a message. */
export interface MessageWindow {
  limit: number;
  before?: number;
  after?: number;
  around?: string;
}

export interface ConversationPage {
  conversations: ConversationSummary[];
  nextCursor?: string;
}

/** A piece of a search result's text; `hit` pieces are what matched. Plain text, never HTML. */
export interface SnippetPart {
  text: string;
  hit?: boolean;
}

export interface SearchResult {
  conversationId: string;
  conversationTitle: string;
  messageId: string;
  position: number;
  role: Role;
  createdAt: string;
  snippet: SnippetPart[];
}

export interface SearchPage {
  results: SearchResult[];
  nextCursor?: string;
}

export interface TagCount {
  name: string;
  count: number;
}

export type ExportFormat = 'json' | 'markdown';

export interface ImportResult {
  format: 'json' | 'openwebui' | 'chatgpt';
  conversations: number;
  messages: number;
  skipped: number;
}

/** What a desktop file dialog operation did; `cancelled`: the person closed the dialog. */
export interface FileResult {
  cancelled?: boolean;
  path?: string;
  conversations?: number;
  import?: ImportResult;
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
  /** Desktop: start in the tray, without the window (only when a tray exists). */
  startMinimized: boolean;
  /** Desktop notifications about connection changes. */
  notifications: boolean;
  /** A browser far away may pull and delete models (only the desktop may change this). */
  remoteModelChanges: boolean;
}

// --- models and servers (docs/API.md "Models and servers") ---------------------------------

export type EndpointKind = 'ollama' | 'openai';

export interface Endpoint {
  id: string;
  name: string;
  kind: EndpointKind;
  url: string;
  hasKey: boolean;
  /** This computer's Ollama: not removable, its address is a setting. */
  local: boolean;
  /** Pull, delete, unload and details work (Ollama). */
  manageable: boolean;
  state: 'checking' | 'reachable' | 'unreachable';
  version?: string;
  error?: string;
  checkedAt?: string;
  models: Model[];
  modelsAt?: string;
  stale: boolean;
}

export interface ModelList {
  endpointId: string;
  models: Model[];
  fetchedAt?: string;
  stale: boolean;
  error?: string;
}

export interface ModelDetails {
  name: string;
  family?: string;
  families?: string[];
  parameterSize?: string;
  quantization?: string;
  format?: string;
  parameters?: string;
  template?: string;
  system?: string;
  license?: string;
  contextLength?: number;
  numCtx?: number;
  capabilities?: string[];
  modifiedAt?: string;
}

export interface RunningModel {
  name: string;
  size: number;
  sizeVram: number;
  family?: string;
  parameterSize?: string;
  quantization?: string;
  expiresAt: string;
}

export interface PullJob {
  id: string;
  endpointId: string;
  model: string;
  state: 'pulling' | 'done' | 'error' | 'cancelled';
  phase?: string;
  completed: number;
  total: number;
  bytesPerSecond: number;
  /** -1 until the speed is known. */
  secondsLeft: number;
  error?: string;
  startedAt: string;
  finishedAt?: string;
}

export interface ContextEstimate {
  tokens: number;
  window: number;
  windowFrom: 'conversation' | 'model' | 'default' | 'unknown';
  modelMax?: number;
  level: 'ok' | 'near' | 'over' | 'unknown';
  suggestedNumCtx?: number;
  message?: string;
}

export interface EndpointParams {
  name: string;
  kind: EndpointKind;
  url: string;
  apiKey?: string;
}

export interface OllamaStatus {
  /** A server that is generating is "reachable". */
  state: 'checking' | 'reachable' | 'unreachable';
  url: string;
  version?: string;
  error?: string;
  hint?: string;
  checkedAt?: string;
  /** Replies streaming now (absent: none). */
  generating?: number;
  /** Model of the reply streaming now, or of the last one. */
  model?: string;
  /** While generating, summed over the replies. */
  tokensPerSecond?: number;
}

export type AccountState = 'signedOut' | 'signedIn' | 'expiring' | 'error';

export interface AccountStatus {
  state: AccountState;
  name?: string;
  email?: string;
  expiresAt?: string;
  error?: string;
  hint?: string;
}

export type RelayState = 'off' | 'connecting' | 'connected' | 'reconnecting' | 'error';

export interface RelayStatus {
  state: RelayState;
  url?: string;
  error?: string;
  hint?: string;
}

/** down: Ollama unreachable; attention: sign-in or remote access needs the person. */
export type Overall = 'checking' | 'down' | 'attention' | 'generating' | 'ready';

export interface Status {
  overall: Overall;
  ollama: OllamaStatus;
  account: AccountStatus;
  relay: RelayStatus;
  /** Browsers using this desktop through the relay now. */
  remoteSessions: number;
}

export type CheckResultKind = 'ok' | 'warn' | 'fail' | 'skipped' | 'notSetUp';

export interface CheckResult {
  id: string;
  title: string;
  result: CheckResultKind;
  detail?: string;
  hint?: string;
  durationMs: number;
}

export interface Diagnosis {
  checks: CheckResult[];
  status: Status;
}

export interface AuthConfig {
  /** Exactly as the provider's discovery document states it. */
  issuer: string;
  /** A public ("native") client allowing http://127.0.0.1/callback on any port. */
  clientId: string;
  /** For providers that mint per-API access tokens (Auth0). */
  audience?: string;
  /** Empty: openid profile email offline_access. */
  scopes: string[];
}

export interface Profile {
  subject: string;
  name?: string;
  email?: string;
  picture?: string;
}

export interface Notice {
  code: string;
  message: string;
  hint?: string;
}

export interface Pending {
  method: 'browser' | 'device';
  expiresAt: string;
  userCode?: string;
  verificationUri?: string;
  verificationUriComplete?: string;
}

export interface Account {
  state: 'unconfigured' | 'signedOut' | 'signingIn' | 'signedIn';
  config: AuthConfig;
  profile?: Profile;
  /** The session is in the OS keyring and survives a restart. */
  remembered: boolean;
  /** Why the session is not remembered: show it. */
  keyring?: Notice;
  pending?: Pending;
  /** Why the last sign-in failed or the session ended. */
  error?: Notice;
  /** When the session ends unless the person signs in again (absent: renewed silently). */
  endsAt?: string;
}

export interface SignInStarted {
  account: Account;
  authUrl: string;
  browserOpened: boolean;
}

export interface SignOutResult {
  account: Account;
  revoked: boolean;
  endSessionUrl?: string;
  browserOpened: boolean;
  warning?: Notice;
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
  | { seq: number; name: 'history.changed'; data: { reason: 'deleted' | 'restored' | 'imported' } }
  | { seq: number; name: 'status.changed'; data: Status }
  | { seq: number; name: 'settings.changed'; data: Settings }
  | { seq: number; name: 'account.changed'; data: Account }
  | { seq: number; name: 'models.pull'; data: PullJob }
  | { seq: number; name: 'models.changed'; data: { endpointId: string } }
  | { seq: number; name: 'endpoints.changed'; data: { endpoints: Endpoint[] } }
  | { seq: number; name: 'resync'; data: Record<string, never> };

/** The events that change a conversation's messages. */
export type ChatEvent = Extract<
  BackendEvent,
  { name: 'message.started' | 'message.delta' | 'message.finished' }
>;
