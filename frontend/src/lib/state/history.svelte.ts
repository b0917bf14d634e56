import { BackendError, type ExportFormat, type ImportResult, type SearchResult, type TagCount } from '../backend';
import type { HistoryFiles } from '../backend/files';
import type { AppState } from './app.svelte';

/** How long a delete can be undone from the toast (the backend keeps it for 5 minutes). */
export const UNDO_MS = 10_000;
/** Results per page of a search. */
const SEARCH_PAGE = 30;

export interface Undo {
  token: string;
  /** What was deleted, for the toast: "“Otters” deleted", "12 conversations deleted". */
  what: string;
}

/**
 * Finding and organising the history: search, tags, pins, undoing deletes, deleting everything,
 * export and import. It works through the AppState it belongs to, whose list and open
 * conversation it keeps in step.
 */
export class HistoryState {
  query = $state('');
  results = $state<SearchResult[]>([]);
  nextCursor = $state<string | undefined>(undefined);
  searching = $state(false);
  /** Why the query cannot be searched (it is shown under the box, not as a banner). */
  searchError = $state<string | null>(null);
  tags = $state<TagCount[]>([]);
  /** The list shows only this tag's conversations; null: all. */
  tag = $state<string | null>(null);
  undo = $state<Undo | null>(null);
  /** An export or import is running. */
  transferring = $state(false);
  /** What the last export or import did, for the person to read. */
  notice = $state<string | null>(null);

  private searchSeq = 0;
  private undoTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly app: AppState,
    readonly files?: HistoryFiles,
  ) {}

  // --- search -----------------------------------------------------------------------------

  /** Searches for q; a newer search makes an older one's answer irrelevant. */
  async search(q: string): Promise<void> {
    this.query = q;
    const mine = ++this.searchSeq;
    if (!q.trim()) {
      this.results = [];
      this.nextCursor = undefined;
      this.searchError = null;
      this.searching = false;
      return;
    }
    this.searching = true;
    try {
      const page = await this.app.api.history.search({ query: q, limit: SEARCH_PAGE });
      if (mine !== this.searchSeq) return;
      this.results = page.results;
      this.nextCursor = page.nextCursor;
      this.searchError = null;
    } catch (err) {
      if (mine !== this.searchSeq) return;
      this.results = [];
      this.nextCursor = undefined;
      if (err instanceof BackendError && err.code === 'bad_request') this.searchError = err.message;
      else this.app.report(err);
    } finally {
      if (mine === this.searchSeq) this.searching = false;
    }
  }

  async moreResults(): Promise<void> {
    const cursor = this.nextCursor;
    if (!cursor || this.searching) return;
    const mine = this.searchSeq;
    this.searching = true;
    try {
      const page = await this.app.api.history.search({ query: this.query, limit: SEARCH_PAGE, cursor });
      if (mine !== this.searchSeq) return;
      this.results = [...this.results, ...page.results];
      this.nextCursor = page.nextCursor;
    } catch (err) {
      this.app.report(err);
    } finally {
      if (mine === this.searchSeq) this.searching = false;
    }
  }

  clearSearch(): void {
    void this.search('');
  }

  /** Opens a result's conversation at its message. */
  async openResult(r: SearchResult): Promise<void> {
    await this.app.openAt(r.conversationId, r.messageId);
  }

  // --- organising -------------------------------------------------------------------------

  /** Loads the tags in use. Without them the filter is only not offered: no banner for it. */
  async loadTags(): Promise<void> {
    try {
      this.tags = await this.app.api.conversations.tags();
    } catch {
      this.tags = [];
    }
  }

  /** Shows only the conversations with this tag (null: all of them). */
  async filterTag(tag: string | null): Promise<void> {
    this.tag = tag;
    await this.app.loadList();
  }

  async pin(id: string, pinned: boolean): Promise<boolean> {
    return this.app.guard(async () => this.app.updated(await this.app.api.conversations.pin(id, pinned)));
  }

  async setTags(id: string, tags: string[]): Promise<boolean> {
    return this.app.guard(async () => {
      this.app.updated(await this.app.api.conversations.setTags(id, tags));
      await this.loadTags();
    });
  }

  // --- deleting and undoing ---------------------------------------------------------------

  /** Offers to undo a delete for UNDO_MS. */
  offerUndo(token: string, what: string): void {
    clearTimeout(this.undoTimer);
    this.undo = { token, what };
    this.undoTimer = setTimeout(() => (this.undo = null), UNDO_MS);
  }

  dismissUndo(): void {
    clearTimeout(this.undoTimer);
    this.undo = null;
  }

  async undoDelete(): Promise<boolean> {
    const u = this.undo;
    if (!u) return false;
    this.dismissUndo();
    return this.app.guard(async () => {
      await this.app.api.conversations.restore(u.token);
      await this.app.loadList();
    });
  }

  /** Deletes every conversation (undoable from the toast). */
  async deleteAll(): Promise<boolean> {
    return this.app.guard(async () => {
      const r = await this.app.api.conversations.deleteAll();
      this.app.newChat();
      await this.app.loadList();
      if (r.undoToken) this.offerUndo(r.undoToken, `${r.count} ${r.count === 1 ? 'conversation' : 'conversations'} deleted`);
    });
  }

  // --- export and import ------------------------------------------------------------------

  /** Exports the given conversations, or all of them. */
  async exportHistory(format: ExportFormat, ids?: string[]): Promise<boolean> {
    const files = this.files;
    if (!files) return false;
    this.transferring = true;
    try {
      return await this.app.guard(async () => {
        const done = await files.export(format, ids);
        if (!done.cancelled) this.notice = done.path ? `Exported to ${done.path}` : 'The export is downloading.';
      });
    } finally {
      this.transferring = false;
    }
  }

  /** Imports a file (chosen in the page on the web; by the desktop's dialog otherwise). */
  async importHistory(file?: File): Promise<boolean> {
    const files = this.files;
    if (!files) return false;
    this.transferring = true;
    this.notice = null;
    try {
      return await this.app.guard(async () => {
        const done = await files.import(file);
        if (done.cancelled || !done.result) return;
        this.notice = describeImport(done.result);
        await Promise.all([this.app.loadList(), this.loadTags()]);
      });
    } finally {
      this.transferring = false;
    }
  }
}

const formats: Record<ImportResult['format'], string> = {
  json: 'CloudToLocalLLM',
  openwebui: 'Open WebUI',
  chatgpt: 'ChatGPT',
};

export function describeImport(r: ImportResult): string {
  const n = (k: number, one: string, many: string) => `${k} ${k === 1 ? one : many}`;
  let s = `Imported ${n(r.conversations, 'conversation', 'conversations')} (${n(r.messages, 'message', 'messages')}) from a ${formats[r.format]} export.`;
  if (r.skipped > 0) s += ` ${n(r.skipped, 'was', 'were')} already here or empty, and skipped.`;
  return s;
}
