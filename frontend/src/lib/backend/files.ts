// Export and import of history files. The desktop window lets Go show the system's file dialogs
// (history.exportFile / history.importFile); a browser downloads and uploads over HTTP
// (api/history/export, api/history/import), since a file does not fit in an operation's
// arguments. Both resolve to what happened, or throw a BackendError.
import type { Api } from './api';
import { BackendError } from './transport';
import type { ErrorBody, ExportFormat, ImportResult } from './types';

export interface ExportDone {
  cancelled: boolean;
  /** Where the desktop saved it; absent for a browser download. */
  path?: string;
}

export interface ImportDone {
  cancelled: boolean;
  result?: ImportResult;
}

export interface HistoryFiles {
  /** Whether a file for import must be chosen in the page (a browser) or Go asks (the desktop). */
  readonly picksFiles: boolean;
  export(format: ExportFormat, ids?: string[]): Promise<ExportDone>;
  import(file?: File): Promise<ImportDone>;
}

/** The desktop: Go shows the dialogs. */
export function desktopFiles(api: Api): HistoryFiles {
  return {
    picksFiles: false,
    async export(format, ids) {
      const r = await api.history.exportFile({ format, ids });
      return { cancelled: !!r.cancelled, path: r.path };
    },
    async import() {
      const r = await api.history.importFile();
      return { cancelled: !!r.cancelled, result: r.import };
    },
  };
}

export interface WebDeps {
  fetch: typeof fetch;
  baseUrl: string;
  /** Starts a download of url (an <a download> click in the page). */
  download: (url: string) => void;
}

/** A browser: download through a link, upload the chosen file as the request body. */
export function webFiles(deps: WebDeps): HistoryFiles {
  return {
    picksFiles: true,
    async export(format, ids = []) {
      const url = new URL('api/history/export', deps.baseUrl);
      url.searchParams.set('format', format);
      for (const id of ids) url.searchParams.append('id', id);
      deps.download(url.href);
      return { cancelled: false };
    },
    async import(file) {
      if (!file) return { cancelled: true };
      const url = new URL('api/history/import', deps.baseUrl);
      url.searchParams.set('name', file.name);
      let resp: Response;
      try {
        resp = await deps.fetch(url.href, {
          method: 'POST',
          headers: { 'Content-Type': 'application/octet-stream' },
          body: file,
        });
      } catch {
        throw new BackendError({ code: 'network', message: 'Could not reach the CloudToLocalLLM server to upload the file.' });
      }
      const body = (await resp.json().catch(() => null)) as ({ error?: ErrorBody } & ImportResult) | null;
      if (!resp.ok) {
        throw new BackendError(body?.error ?? { code: 'internal', message: `The upload failed (HTTP ${resp.status}).` });
      }
      return { cancelled: false, result: body as ImportResult };
    },
  };
}

/** Clicks a temporary download link: the server's Content-Disposition names the file. */
export function downloadWithLink(doc: Document): (url: string) => void {
  return (url) => {
    const a = doc.createElement('a');
    a.href = url;
    a.download = '';
    a.rel = 'noopener';
    doc.body.append(a);
    a.click();
    a.remove();
  };
}
