import type { Transport } from './transport';
import type {
  Account,
  AuthConfig,
  Conversation,
  ConversationParams,
  ConversationPage,
  ConversationSummary,
  ContextEstimate,
  Diagnosis,
  Endpoint,
  EndpointParams,
  ExportFormat,
  FileResult,
  Image,
  Message,
  MessageWindow,
  Model,
  ModelDetails,
  ModelList,
  PullJob,
  RunningModel,
  SearchPage,
  Settings,
  SignInStarted,
  SignOutResult,
  Status,
  TagCount,
} from './types';

/** Every operation of docs/API.md as a typed method, over whichever transport is in use. */
export function createApi(t: Transport) {
  return {
    status: {
      get: () => t.call<Status>('status.get', {}),
      check: () => t.call<Status>('status.check', {}),
      diagnose: () => t.call<Diagnosis>('status.diagnose', {}),
    },
    models: {
      list: async () => (await t.call<{ models: Model[] }>('models.list', {})).models,
      /** One server's models, cached: stale when the server could not be asked just now. */
      listOn: (endpointId: string) => t.call<ModelList>('models.list', { endpointId }),
      details: (endpointId: string, name: string) => t.call<ModelDetails>('models.details', { endpointId, name }),
      running: async (endpointId: string) =>
        (await t.call<{ models: RunningModel[] }>('models.running', { endpointId })).models,
      unload: (endpointId: string, name: string) => t.call<Record<string, never>>('models.unload', { endpointId, name }),
      pull: (endpointId: string, name: string, insecure = false) =>
        t.call<PullJob>('models.pull', { endpointId, name, ...(insecure ? { insecure } : {}) }),
      pulls: async () => (await t.call<{ jobs: PullJob[] }>('models.pulls', {})).jobs,
      cancelPull: (id: string) => t.call<PullJob>('models.cancelPull', { id }),
      delete: (endpointId: string, name: string) =>
        t.call<Record<string, never>>('models.delete', { endpointId, name, confirm: true }),
    },
    endpoints: {
      list: async () => (await t.call<{ endpoints: Endpoint[] }>('endpoints.list', {})).endpoints,
      check: async () => (await t.call<{ endpoints: Endpoint[] }>('endpoints.check', {})).endpoints,
      /** Desktop only, as are update and remove. */
      add: (p: EndpointParams) => t.call<Endpoint>('endpoints.add', p),
      update: (id: string, changes: { name?: string; url?: string; apiKey?: string }) =>
        t.call<Endpoint>('endpoints.update', { id, ...changes }),
      remove: (id: string) => t.call<Record<string, never>>('endpoints.remove', { id }),
    },
    context: {
      estimate: (conversationId: string, draft = '', draftImages = 0) =>
        t.call<ContextEstimate>('context.estimate', { conversationId, draft, draftImages }),
      /** A new conversation that starts from the model's summary of this one. */
      summarize: async (conversationId: string) =>
        (await t.call<{ conversation: Conversation }>('context.summarize', { conversationId })).conversation,
    },
    settings: {
      get: () => t.call<Settings>('settings.get', {}),
      update: (patch: Partial<Settings>) => t.call<Settings>('settings.update', patch),
    },
    /** Desktop only: a remote caller gets `forbidden`. */
    auth: {
      get: () => t.call<Account>('auth.get', {}),
      configure: (config: AuthConfig) => t.call<Account>('auth.configure', config),
      signIn: () => t.call<SignInStarted>('auth.signIn', {}),
      signInDevice: () => t.call<Account>('auth.signInDevice', {}),
      cancel: () => t.call<Account>('auth.cancel', {}),
      signOut: (endProviderSession: boolean) => t.call<SignOutResult>('auth.signOut', { endProviderSession }),
      /** The signed-in person's picture as a data: URL fetched by the desktop; '' when there is none. */
      picture: async () => (await t.call<{ dataUrl: string }>('auth.picture', {})).dataUrl,
    },
    conversations: {
      list: async () =>
        (await t.call<{ conversations: ConversationSummary[] }>('conversations.list', {})).conversations,
      /** A page of the list: pinned first, then the most recently active. */
      page: (args: { limit: number; cursor?: string; tag?: string }) =>
        t.call<ConversationPage>('conversations.list', args),
      get: (id: string) => t.call<Conversation>('conversations.get', { id }),
      /** The conversation with a window of its messages (see MessageWindow). */
      window: (id: string, w: MessageWindow) => t.call<Conversation>('conversations.get', { id, ...w }),
      create: (args: ConversationParams & { model?: string }) =>
        t.call<Conversation>('conversations.create', args),
      update: (id: string, changes: ConversationParams & { title?: string; model?: string; endpointId?: string }) =>
        t.call<Conversation>('conversations.update', { id, ...changes }),
      delete: (id: string) => t.call<{ undoToken?: string }>('conversations.delete', { id }),
      deleteAll: () => t.call<{ count: number; undoToken?: string }>('conversations.deleteAll', { confirm: true }),
      /** Undoes a delete or delete all within the undo window; `not_found` after it. */
      restore: async (undoToken: string) =>
        (await t.call<{ ids: string[] }>('conversations.restore', { undoToken })).ids,
      pin: (id: string, pinned: boolean) => t.call<Conversation>('conversations.update', { id, pinned }),
      setTags: (id: string, tags: string[]) => t.call<Conversation>('conversations.update', { id, tags }),
      tags: async () => (await t.call<{ tags: TagCount[] }>('tags.list', {})).tags,
    },
    history: {
      search: (args: { query: string; limit?: number; cursor?: string; conversationId?: string }) =>
        t.call<SearchPage>('history.search', args),
      /** Desktop only: asks where to save with the system dialog. */
      exportFile: (args: { ids?: string[]; format: ExportFormat }) => t.call<FileResult>('history.exportFile', args),
      /** Desktop only: asks which file with the system dialog. */
      importFile: () => t.call<FileResult>('history.importFile', {}),
    },
    chat: {
      send: async (args: {
        conversationId?: string;
        model?: string;
        endpointId?: string;
        content: string;
        images?: Image[];
      }) =>
        (await t.call<{ conversation: Conversation }>('chat.send', args)).conversation,
      stop: (conversationId: string) => t.call<Record<string, never>>('chat.stop', { conversationId }),
      retry: async (messageId: string) =>
        (await t.call<{ message: Message }>('chat.retry', { messageId })).message,
      regenerate: async (conversationId: string) =>
        (await t.call<{ message: Message }>('chat.regenerate', { conversationId })).message,
      /** More of a cut-off reply, after its text. */
      continue: async (messageId: string) =>
        (await t.call<{ message: Message }>('chat.continue', { messageId })).message,
      edit: async (messageId: string, content: string) =>
        (await t.call<{ conversation: Conversation }>('chat.edit', { messageId, content })).conversation,
    },
    events: {
      subscribe: t.subscribe.bind(t),
      onConnection: t.onConnection.bind(t),
    },
  };
}

export type Api = ReturnType<typeof createApi>;
