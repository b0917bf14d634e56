import { describe, expect, it } from 'vitest';
import { BackendError } from './transport';
import { webFiles } from './files';

function web(respond: (url: string, init?: RequestInit) => Response | Promise<Response>) {
  const downloads: string[] = [];
  const requests: { url: string; init?: RequestInit }[] = [];
  const files = webFiles({
    baseUrl: 'http://127.0.0.1:8089/',
    download: (u) => downloads.push(u),
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      requests.push({ url: String(input), init });
      return respond(String(input), init);
    }) as typeof fetch,
  });
  return { files, downloads, requests };
}

describe('webFiles', () => {
  it('downloads an export by URL, naming the conversations', async () => {
    const w = web(() => new Response());
    await w.files.export('markdown', ['a', 'b c']);
    expect(w.downloads).toEqual(['http://127.0.0.1:8089/api/history/export?format=markdown&id=a&id=b+c']);
    await w.files.export('json');
    expect(w.downloads[1]).toBe('http://127.0.0.1:8089/api/history/export?format=json');
  });

  it('uploads the chosen file as the body and returns what was imported', async () => {
    const w = web(() =>
      Response.json({ format: 'openwebui', conversations: 3, messages: 10, skipped: 0 }),
    );
    const file = new File(['[]'], 'chat export.json', { type: 'application/json' });
    const done = await w.files.import(file);
    expect(done).toEqual({ cancelled: false, result: { format: 'openwebui', conversations: 3, messages: 10, skipped: 0 } });
    expect(w.requests[0]?.url).toBe('http://127.0.0.1:8089/api/history/import?name=chat+export.json');
    expect(w.requests[0]?.init?.method).toBe('POST');
    expect((w.requests[0]?.init?.headers as Record<string, string>)['Content-Type']).toBe('application/octet-stream');
    expect(w.requests[0]?.init?.body).toBe(file);
  });

  it('turns a refused file into the backend error, which names the place', async () => {
    const w = web(() =>
      Response.json(
        { error: { code: 'bad_request', message: 'cannot import x.json (line 2, column 5, at [0].title): expected text' } },
        { status: 400 },
      ),
    );
    const err = await w.files.import(new File(['x'], 'x.json')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as BackendError).code).toBe('bad_request');
    expect((err as BackendError).message).toContain('line 2, column 5');
  });

  it('says when the server cannot be reached, and that nothing chosen is a cancel', async () => {
    const w = web(() => Promise.reject(new TypeError('Failed to fetch')));
    expect(await w.files.import(undefined)).toEqual({ cancelled: true });
    const err = await w.files.import(new File(['x'], 'x.json')).catch((e: unknown) => e);
    expect((err as BackendError).code).toBe('network');
  });
});
