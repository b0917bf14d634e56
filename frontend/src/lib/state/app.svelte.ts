import {
  BackendError,
  type Account,
  type Api,
  type AuthConfig,
  type BackendEvent,
  type ChatEvent,
  type ConnectionState,
  type Conversation,
  type ConversationParams,
  type ConversationSummary,
  type Diagnosis,
  type Message,
  type Endpoint,
  type Image,
  type Model,
  type Settings,
  type SignInStarted,
  type SignOutResult,
  type Status,
} from '../backend';
import type { HistoryFiles } from '../backend/files';
import { HistoryState } from './history.svelte';
import { applyChatEvent, isStreaming, putMessage, replay } from './messages';
import { Recorder } from './recorder';

export interface Banner {
  id: number;
  code: string;
  message: string;
  hint?: string;
}

export type View = 'chat' | 'settings' | 'status' | 'models';

function summary(c: ConversationSummary): ConversationSummary {
  return {
    id: c.id,
    title: c.title,
    model: c.model,
    endpointId: c.endpointId,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    pinned: c.pinned ?? false,
    tags: c.tags ?? [],
  };
}

/** The list's order, the backend's: pinned first, then the most recently active. */
function listOrder(a: ConversationSummary, b: ConversationSummary): number {
  return (
    Number(!!b.pinned) - Number(!!a.pinned) ||
    Date.parse(b.updatedAt) - Date.parse(a.updatedAt) ||
    (b.id > a.id ? 1 : b.id < a.id ? -1 : 0)
  );
}

/**
 * Conversations per page of the list; messages a conversation opens with (a few screens: what
 * shows first is what makes opening fast); messages per page loaded while scrolling.
 */
const LIST_PAGE = 100;
const OPEN_WINDOW = 40;
const MESSAGE_PAGE = 100;

/**
 * Everything the UI shows, kept in step with the backend: loaded by calls, then updated by events.
 * Methods that can fail report the failure as a banner and resolve to false, so the caller can
 * keep what the person typed.
 */
export class AppState {
  conversations = $state<ConversationSummary[]>([]);
  /** The conversation the person chose; null is a new chat not yet sent. */
  selectedId = $state<string | null>(null);
  /** The loaded conversation; it may lag behind selectedId while loading. */
  current = $state<Conversation | null>(null);
  models = $state<Model[]>([]);
  settings = $state<Settings | null>(null);
  status = $state<Status | null>(null);
  connection = $state<ConnectionState>('connecting');
  banners = $state<Banner[]>([]);
  /** The desktop's sign-in; null while unknown, or where it cannot be managed (a remote browser). */
  account = $state<Account | null>(null);
  view = $state<View>('chat');
  /** The message to bring into view when the open conversation is shown (a search result). */
  focusMessageId = $state<string | null>(null);
  /** Where the next page of the conversation list starts; undefined: all are loaded. */
  listCursor = $state<string | undefined>(undefined);
  /** Search, tags, pins, undo, export and import. */
  readonly history: HistoryState;
  /** The model chosen for a new chat before it exists. */
  private draftModel = $state('');
  /** The model servers (this computer's Ollama first), for the server picker. */
  endpoints = $state<Endpoint[]>([]);
  /** The server chosen for a new chat before it exists; '' is this computer. */
  private draftEndpoint = $state('');
  /** The server the open conversation (or the new chat) uses; '' is this computer. */
  readonly endpointId = $derived(this.selectedId ? (this.current?.endpointId ?? '') : this.draftEndpoint);
  /** The models the picker offers: those of the server in use. */
  readonly endpointModels = $derived(
    this.endpointId && this.endpointId !== 'local'
      ? (this.endpoints.find((e) => e.id === this.endpointId)?.models ?? [])
      : this.models,
  );

  readonly streaming = $derived(isStreaming(this.current));
  /** The model the picker shows: the open conversation's, or the one a new chat will use. */
  readonly model = $derived(
    this.selectedId
      ? (this.current?.model ?? '')
      : this.draftEndpoint
        ? this.draftModel || this.endpointModels[0]?.name || ''
        : this.draftModel || this.settings?.defaultModel || this.models[0]?.name || '',
  );

  private readonly recorder = new Recorder();
  private refreshing = false;
  private refreshAgain = false;
  private nextBannerId = 1;

  /** The backend; screens with state of their own (the model manager) build on it. */
  constructor(
    readonly api: Api,
    files?: HistoryFiles,
  ) {
    this.history = new HistoryState(this, files);
  }

  /** Starts listening to the backend and loads everything; returns a function that stops. */
  start(): () => void {
    const offEvents = this.api.events.subscribe((ev) => this.onEvent(ev));
    let first = true;
    const offConnection = this.api.events.onConnection((state) => {
      const reopened = state === 'open' && this.connection !== 'open';
      this.connection = state;
      // Load at once, and again whenever the stream (re)opens: events sent before it was open
      // were never received.
      if (first || reopened) void this.reload();
      first = false;
    });
    return () => {
      offEvents();
      offConnection();
    };
  }

  async reload(): Promise<void> {
    await Promise.all([
      this.loadList(),
      this.guard(async () => (this.settings = await this.api.settings.get())),
      this.guard(async () => (this.status = await this.api.status.get())),
      this.loadModels(),
      this.loadEndpoints(),
      this.loadAccount(),
      this.history.loadTags(),
      this.selectedId ? this.loadConversation(this.selectedId) : undefined,
    ]);
  }

  // --- navigation -------------------------------------------------------------------------

  async open(id: string): Promise<void> {
    this.view = 'chat';
    if (id === this.selectedId && this.current?.id === id) return;
    this.focusMessageId = null;
    this.selectedId = id;
    await this.loadConversation(id);
  }

  /** Opens a conversation at one of its messages (a search result), loading the messages around it. */
  async openAt(id: string, messageId: string): Promise<void> {
    this.view = 'chat';
    this.selectedId = id;
    this.focusMessageId = messageId;
    if (this.current?.id === id && this.current.messages.some((m) => m.id === messageId)) return;
    await this.loadConversation(id, messageId);
  }

  /** Loads the page of messages before the ones shown. */
  async loadEarlier(): Promise<void> {
    const conv = this.current;
    const first = conv?.messages[0];
    if (!conv?.hasBefore || !first) return;
    await this.guard(async () => {
      const page = await this.api.conversations.window(conv.id, { limit: MESSAGE_PAGE, before: first.position });
      if (this.current !== conv) return;
      conv.messages = [...page.messages.filter((m) => m.position < first.position), ...conv.messages];
      conv.hasBefore = page.hasBefore;
    });
  }

  /** Loads the page of messages after the ones shown (a conversation opened in the middle). */
  async loadLater(): Promise<void> {
    const conv = this.current;
    const last = conv?.messages.at(-1);
    if (!conv?.hasAfter || !last) return;
    await this.guard(async () => {
      const [page, events] = await this.recorder.during(() =>
        this.api.conversations.window(conv.id, { limit: MESSAGE_PAGE, after: last.position }),
      );
      if (this.current !== conv) return;
      conv.messages = [...conv.messages, ...page.messages.filter((m) => m.position > last.position)];
      conv.hasAfter = page.hasAfter;
      // At the end now: the live reply's events apply again, from this snapshot on.
      if (!conv.hasAfter && replay(conv, events) === 'refetch') this.refresh();
    });
  }

  /** Loads the next page of the conversation list. */
  async loadMoreConversations(): Promise<void> {
    const cursor = this.listCursor;
    if (!cursor) return;
    this.listCursor = undefined; // one request at a time
    const ok = await this.guard(async () => {
      const page = await this.api.conversations.page({ limit: LIST_PAGE, cursor, tag: this.history.tag ?? undefined });
      const have = new Set(this.conversations.map((c) => c.id));
      this.conversations = [...this.conversations, ...page.conversations.filter((c) => !have.has(c.id)).map(summary)];
      this.listCursor = page.nextCursor;
    });
    if (!ok) this.listCursor = cursor;
  }

  newChat(): void {
    this.view = 'chat';
    this.selectedId = null;
    this.current = null;
  }

  // --- chat -------------------------------------------------------------------------------

  async send(text: string, images: Image[] = []): Promise<boolean> {
    const content = text.trim();
    if (!content && images.length === 0) return false;
    const pictures = images.length > 0 ? { images } : {};
    const endpointId = this.draftEndpoint || undefined;
    const conversationId = this.selectedId ?? undefined;
    return this.guard(async () => {
      const [conv, events] = await this.recorder.during(() =>
        this.api.chat.send(
          conversationId
            ? { conversationId, content, ...pictures }
            : { model: this.model || undefined, endpointId, content, ...pictures },
        ),
      );
      replay(conv, events);
      this.upsert(conv);
      // The person may have moved on while the message was sent; show it only if not.
      if (this.selectedId === (conversationId ?? null)) {
        this.selectedId = conv.id;
        this.current = conv;
      }
    });
  }

  async stop(): Promise<boolean> {
    const id = this.current?.id;
    return !!id && this.guard(() => this.api.chat.stop(id));
  }

  /** Generates more of a cut-off reply, after its text. */
  async continueReply(messageId: string): Promise<boolean> {
    return this.guard(async () => {
      const [msg, events] = await this.recorder.during(() => this.api.chat.continue(messageId));
      this.applyMessage(msg, events);
    });
  }

  async retry(messageId: string): Promise<boolean> {
    return this.guard(async () => {
      const [msg, events] = await this.recorder.during(() => this.api.chat.retry(messageId));
      this.applyMessage(msg, events);
    });
  }

  async regenerate(): Promise<boolean> {
    const id = this.current?.id;
    return (
      !!id &&
      this.guard(async () => {
        const [msg, events] = await this.recorder.during(() => this.api.chat.regenerate(id));
        this.applyMessage(msg, events);
      })
    );
  }

  async edit(messageId: string, content: string): Promise<boolean> {
    const text = content.trim();
    if (!text) return false;
    return this.guard(async () => {
      const [conv, events] = await this.recorder.during(() => this.api.chat.edit(messageId, text));
      replay(conv, events);
      this.upsert(conv);
      if (this.selectedId === conv.id) this.current = conv;
    });
  }

  // --- conversations ----------------------------------------------------------------------

  async rename(id: string, title: string): Promise<boolean> {
    const t = title.trim();
    if (!t) return false;
    return this.guard(async () => this.updated(await this.api.conversations.update(id, { title: t })));
  }

  async remove(id: string): Promise<boolean> {
    const title = this.conversations.find((c) => c.id === id)?.title || 'Conversation';
    return this.guard(async () => {
      const r = await this.api.conversations.delete(id);
      this.forget(id);
      if (r?.undoToken) this.history.offerUndo(r.undoToken, `“${title}” deleted`);
    });
  }

  /** Saves a conversation's parameters; for a new chat this creates the conversation. */
  async saveParams(params: ConversationParams): Promise<boolean> {
    const id = this.selectedId;
    return this.guard(async () => {
      if (id) {
        this.updated(await this.api.conversations.update(id, params));
        return;
      }
      const conv = await this.api.conversations.create({ model: this.model || undefined, ...params });
      this.upsert(conv);
      if (this.selectedId === null) {
        this.selectedId = conv.id;
        this.current = conv;
      }
    });
  }

  /**
   * Loads the server list for the picker. Its failure is no banner: without the list the chat
   * simply uses this computer, and the model manager shows its own errors.
   */
  private async loadEndpoints(): Promise<void> {
    try {
      this.endpoints = await this.api.endpoints.list();
    } catch {
      this.endpoints = [];
    }
  }

  /**
   * Switches the conversation (or the new chat) to another model server, with that server's
   * first model: a model name means nothing on another server.
   */
  async chooseEndpoint(id: string): Promise<boolean> {
    const endpointId = id === 'local' ? '' : id;
    const models = endpointId ? (this.endpoints.find((e) => e.id === endpointId)?.models ?? []) : this.models;
    const model = models[0]?.name ?? '';
    const convId = this.selectedId;
    if (!convId) {
      this.draftEndpoint = endpointId;
      this.draftModel = model;
      return true;
    }
    return this.guard(async () => this.updated(await this.api.conversations.update(convId, { endpointId, model })));
  }

  /** Switches the model; it is also remembered as the default for new chats. */
  async chooseModel(name: string): Promise<boolean> {
    const id = this.selectedId;
    if (!id) this.draftModel = name;
    return this.guard(async () => {
      const [conv, settings] = await Promise.all([
        id ? this.api.conversations.update(id, { model: name }) : undefined,
        this.api.settings.update({ defaultModel: name }),
      ]);
      if (conv) this.updated(conv);
      this.settings = settings;
    });
  }

  // --- settings and status ----------------------------------------------------------------

  async saveSettings(patch: Partial<Settings>): Promise<boolean> {
    return this.guard(async () => {
      this.settings = await this.api.settings.update(patch);
    });
  }

  async checkStatus(): Promise<boolean> {
    return this.guard(async () => {
      this.status = await this.api.status.check();
    });
  }

  // --- sign-in ----------------------------------------------------------------------------

  async configureAuth(config: AuthConfig): Promise<boolean> {
    return this.guard(async () => {
      this.account = await this.api.auth.configure(config);
    });
  }

  /** Starts a sign-in in the browser; the result says whether the desktop could open one. */
  async signIn(): Promise<SignInStarted | null> {
    let started: SignInStarted | null = null;
    await this.guard(async () => {
      started = await this.api.auth.signIn();
      this.account = started.account;
    });
    return started;
  }

  async signInDevice(): Promise<boolean> {
    return this.guard(async () => {
      this.account = await this.api.auth.signInDevice();
    });
  }

  async cancelSignIn(): Promise<boolean> {
    return this.guard(async () => {
      this.account = await this.api.auth.cancel();
    });
  }

  async signOut(endProviderSession: boolean): Promise<SignOutResult | null> {
    let result: SignOutResult | null = null;
    await this.guard(async () => {
      result = await this.api.auth.signOut(endProviderSession);
      this.account = result.account;
      if (result.warning) this.report(new BackendError(result.warning));
    });
    return result;
  }

  /**
   * The signed-in person's picture as a data: URL, or '' (then the UI shows initials). A picture
   * that cannot be had is not worth a banner.
   */
  async accountPicture(): Promise<string> {
    try {
      return await this.api.auth.picture();
    } catch {
      return '';
    }
  }

  /** Runs every connection check now; null when the checks themselves could not run. */
  async diagnose(): Promise<Diagnosis | null> {
    let result: Diagnosis | null = null;
    await this.guard(async () => {
      result = await this.api.status.diagnose();
      this.status = result.status;
    });
    return result;
  }

  dismiss(id: number): void {
    this.banners = this.banners.filter((b) => b.id !== id);
  }

  // --- internals --------------------------------------------------------------------------

  private onEvent(ev: BackendEvent): void {
    switch (ev.name) {
      case 'message.started':
      case 'message.delta':
      case 'message.finished':
        this.recorder.record(ev);
        // A conversation opened in the middle (hasAfter) does not hold its end, where replies
        // stream: its events apply once the later messages are loaded.
        if (
          this.current?.id === ev.data.conversationId &&
          !this.current.hasAfter &&
          applyChatEvent(this.current, ev) === 'refetch'
        ) {
          this.refresh();
        }
        return;
      case 'conversation.updated':
        this.upsert(ev.data);
        if (this.current?.id === ev.data.id) Object.assign(this.current, summary(ev.data));
        return;
      case 'conversation.deleted':
        this.forget(ev.data.id);
        return;
      case 'history.changed':
        // Many conversations at once (delete all, undo, import): reload rather than patch.
        if (this.selectedId && ev.data.reason === 'deleted') this.newChat();
        void this.loadList();
        void this.history.loadTags();
        return;
      case 'status.changed': {
        const wasReachable = this.status?.ollama.state === 'reachable';
        this.status = ev.data;
        // Models could not be listed while Ollama was away.
        if (!wasReachable && ev.data.ollama.state === 'reachable') void this.loadModels();
        return;
      }
      case 'settings.changed':
        this.settings = ev.data;
        return;
      case 'endpoints.changed':
        this.endpoints = ev.data.endpoints;
        return;
      case 'models.changed':
        // A pull or delete in the model manager: the picker follows.
        if (ev.data.endpointId === 'local') void this.loadModels();
        return;
      case 'account.changed':
        this.account = ev.data;
        return;
      case 'resync':
        void this.reload();
        return;
    }
  }

  /** Reloads the open conversation, at most one request at a time. */
  private refresh(): void {
    const id = this.current?.id;
    if (!id) return;
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = true;
    void this.loadConversation(id).finally(() => {
      this.refreshing = false;
      if (this.refreshAgain) {
        this.refreshAgain = false;
        this.refresh();
      }
    });
  }

  /**
   * Loads a window of the conversation: its last messages, or those around one message. A reload
   * of the one already open keeps as many messages as it shows.
   */
  private async loadConversation(id: string, around?: string): Promise<void> {
    const held = this.current?.id === id && !this.current.hasAfter ? this.current.messages.length : 0;
    const w = around
      ? { limit: OPEN_WINDOW, around }
      : { limit: Math.min(Math.max(OPEN_WINDOW, held), 500) };
    try {
      const [conv, events] = await this.recorder.during(() => this.api.conversations.window(id, w));
      if (this.selectedId !== id) return;
      // A gap left after replaying is closed by the next delta's own refetch.
      replay(conv, events);
      this.current = conv;
    } catch (err) {
      if (err instanceof BackendError && err.code === 'not_found') this.forget(id);
      this.report(err);
    }
  }

  /** Loads the first page of the list (of the tag chosen, if any). */
  async loadList(): Promise<void> {
    await this.guard(async () => {
      const page = await this.api.conversations.page({ limit: LIST_PAGE, tag: this.history.tag ?? undefined });
      this.conversations = page.conversations.map(summary);
      this.listCursor = page.nextCursor;
    });
  }

  private async loadAccount(): Promise<void> {
    try {
      this.account = await this.api.auth.get();
    } catch (err) {
      // Sign-in is managed on the desktop only; a browser far away is refused and shows none.
      if (err instanceof BackendError && err.code === 'forbidden') this.account = null;
      else this.report(err);
    }
  }

  private async loadModels(): Promise<void> {
    try {
      this.models = await this.api.models.list();
    } catch (err) {
      // The status line already says Ollama is away; a banner would only repeat it.
      if (!(err instanceof BackendError && err.code === 'ollama_unreachable')) this.report(err);
    }
  }

  private applyMessage(msg: Message, events: ChatEvent[]): void {
    if (this.current?.id !== msg.conversationId) return;
    putMessage(this.current, msg);
    replay(this.current, events);
  }

  /** Takes an updated conversation's settings, leaving its messages to the events. */
  updated(conv: Conversation): void {
    this.upsert(conv);
    if (this.current?.id !== conv.id) return;
    this.current.systemPrompt = conv.systemPrompt;
    this.current.temperature = conv.temperature;
    this.current.numCtx = conv.numCtx;
    this.current.endpointId = conv.endpointId;
    Object.assign(this.current, summary(conv));
  }

  private upsert(c: ConversationSummary): void {
    const s = summary(c);
    const rest = this.conversations.filter((x) => x.id !== s.id);
    // With a tag chosen, the list holds only that tag's conversations.
    const tag = this.history.tag?.toLowerCase();
    if (tag && !s.tags?.some((t) => t.toLowerCase() === tag)) {
      this.conversations = rest;
      return;
    }
    this.conversations = [s, ...rest].sort(listOrder);
  }

  private forget(id: string): void {
    this.conversations = this.conversations.filter((c) => c.id !== id);
    if (this.selectedId === id) this.newChat();
  }

  /** Shows a failure as a banner. */
  report(err: unknown): void {
    const e = BackendError.from(err);
    // The same failure twice (say, every reload while offline) is one banner.
    if (this.banners.some((b) => b.code === e.code && b.message === e.message)) return;
    this.banners = [...this.banners, { id: this.nextBannerId++, code: e.code, message: e.message, hint: e.hint }];
  }

  /** Runs a call; a failure becomes a banner and `false`. */
  async guard(call: () => Promise<unknown>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (err) {
      this.report(err);
      return false;
    }
  }
}
