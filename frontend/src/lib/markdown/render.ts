import DOMPurify, { type Config } from 'dompurify';
import { Marked, type Tokens } from 'marked';
import { highlight } from './highlight';

// Model output is untrusted: it may carry HTML written to run script, restyle the app or leak the
// conversation through a remote URL. Everything marked produces is sanitised; only then does our
// own code add elements (code block toolbars), built with the DOM API rather than from strings.

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => escapes[ch] ?? ch);
}

const marked = new Marked({
  gfm: true,
  renderer: {
    code({ text, lang }: Tokens.Code): string {
      const language = (lang ?? '').trim().split(/\s+/, 1)[0]?.toLowerCase() ?? '';
      const html = highlight(text, language) ?? escapeHtml(text);
      return `<pre><code class="hljs" data-lang="${escapeHtml(language)}">${html}</code></pre>\n`;
    },
    // A remote image would be fetched the moment it is shown, telling its host that (and, through
    // its URL, what) the conversation contains; it becomes a link the person can choose to open.
    image({ href, text }: Tokens.Image): string {
      return `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>`;
    },
  },
});

const purify = DOMPurify();
const SAFE_LINK = /^(https?:|mailto:)/i;

purify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName !== 'A') return;
  const href = node.getAttribute('href') ?? '';
  if (!SAFE_LINK.test(href)) {
    node.removeAttribute('href');
    return;
  }
  node.setAttribute('target', '_blank');
  node.setAttribute('rel', 'noopener noreferrer nofollow');
});

const config = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: [
    'style', 'form', 'input', 'button', 'textarea', 'select', 'option', 'img', 'picture',
    'video', 'audio', 'source', 'track', 'iframe', 'frame', 'object', 'embed', 'link', 'meta', 'base',
  ],
  // Inline styles could overlay the app's own controls; ids and names could clash with them.
  FORBID_ATTR: ['style', 'id', 'name', 'srcset', 'action', 'formaction'],
  RETURN_DOM_FRAGMENT: true,
} satisfies Config;

/** Wraps each code block in a toolbar with its language and a Copy button. */
function addCodeToolbars(root: DocumentFragment): void {
  for (const pre of root.querySelectorAll('pre')) {
    const doc = pre.ownerDocument;
    const block = doc.createElement('div');
    block.className = 'code-block';
    const bar = doc.createElement('div');
    bar.className = 'code-bar';
    const label = doc.createElement('span');
    label.textContent = pre.querySelector('code')?.dataset.lang || 'text';
    const copy = doc.createElement('button');
    copy.type = 'button';
    copy.className = 'code-copy';
    copy.textContent = 'Copy';
    copy.setAttribute('aria-label', 'Copy code');
    bar.append(label, copy);
    pre.replaceWith(block);
    block.append(bar, pre);
  }
}

/** Markdown to HTML that is safe to insert into the app. */
export function renderMarkdown(source: string): string {
  const raw = marked.parse(source, { async: false });
  const fragment = purify.sanitize(raw, config);
  addCodeToolbars(fragment);
  const holder = document.createElement('div');
  holder.append(fragment);
  return holder.innerHTML;
}
