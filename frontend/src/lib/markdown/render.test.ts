import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './render';

/** Parses rendered HTML the way {@html} would insert it. */
function dom(markdown: string): HTMLElement {
  const div = document.createElement('div');
  div.innerHTML = renderMarkdown(markdown);
  return div;
}

/** Every attribute in the tree, as "tag attr=value". */
function attributes(root: Element): string[] {
  return [...root.querySelectorAll('*')].flatMap((el) =>
    [...el.attributes].map((a) => `${el.tagName.toLowerCase()} ${a.name}=${a.value}`),
  );
}

describe('renderMarkdown', () => {
  it('renders ordinary Markdown', () => {
    const root = dom('# Title\n\nSome **bold** and `code`.\n\n- one\n- two');
    expect(root.querySelector('h1')?.textContent).toBe('Title');
    expect(root.querySelector('strong')?.textContent).toBe('bold');
    expect(root.querySelector('p code')?.textContent).toBe('code');
    expect(root.querySelectorAll('li')).toHaveLength(2);
  });

  it('highlights code blocks in a known language and gives each a Copy button', () => {
    const root = dom('```go\nfunc main() { return }\n```\n\n```\nplain <b>text</b>\n```');
    const blocks = root.querySelectorAll('.code-block');
    expect(blocks).toHaveLength(2);
    expect(blocks[0]!.querySelector('.code-bar span')?.textContent).toBe('go');
    expect(blocks[0]!.querySelector('.hljs-keyword')?.textContent).toBe('func');
    expect(blocks[0]!.querySelector('code')?.textContent).toBe('func main() { return }');
    // Code is shown as text, never as markup.
    expect(blocks[1]!.querySelector('b')).toBeNull();
    expect(blocks[1]!.querySelector('code')?.textContent).toBe('plain <b>text</b>');
    for (const b of blocks) {
      const copy = b.querySelector('button.code-copy');
      expect(copy?.getAttribute('type')).toBe('button');
      expect(copy?.textContent).toBe('Copy');
    }
  });

  it('opens links in a new browsing context without access to the app', () => {
    const a = dom('[site](https://example.com)').querySelector('a')!;
    expect(a.getAttribute('href')).toBe('https://example.com');
    expect(a.getAttribute('target')).toBe('_blank');
    expect(a.getAttribute('rel')).toBe('noopener noreferrer nofollow');
  });

  const hostile: [string, string][] = [
    ['a script tag', '<script>window.pwned = 1</script>hello'],
    ['an img onerror', '<img src=x onerror="window.pwned=1">'],
    ['an inline handler on an allowed tag', '<p onclick="window.pwned=1" onmouseover="x()">hi</p>'],
    ['a javascript: link', '[click](javascript:alert(1))'],
    ['an HTML javascript: link', '<a href="javascript:alert(1)">x</a>'],
    ['an obfuscated javascript: link', '<a href="jav&#x09;ascript:alert(1)">x</a>'],
    ['a data: link', '<a href="data:text/html,<script>alert(1)</script>">x</a>'],
    ['an svg with onload', '<svg onload="window.pwned=1"><script>alert(1)</script></svg>'],
    ['an svg use of an external document', '<svg><use href="data:image/svg+xml,<svg id=x onload=alert(1)>#x"/></svg>'],
    ['an iframe', '<iframe src="javascript:alert(1)"></iframe><iframe srcdoc="<script>alert(1)</script>"></iframe>'],
    ['an object and embed', '<object data="evil.swf"></object><embed src="evil.swf">'],
    ['a form that posts', '<form action="https://evil"><button formaction="javascript:alert(1)">go</button></form>'],
    ['a style tag and attribute', '<style>body{display:none}</style><div style="position:fixed;inset:0">x</div>'],
    ['a meta refresh', '<meta http-equiv="refresh" content="0;url=https://evil">'],
    ['a base tag', '<base href="https://evil/">'],
    ['a math element', '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>'],
    ['a markdown image with javascript:', '![x](javascript:alert(1))'],
    ['a nested mutation trick', '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'],
  ];

  it.each(hostile)('leaves nothing that can run script from %s', (_, input) => {
    const root = dom(input);
    expect(root.querySelector('script, iframe, object, embed, svg, math, form, style, meta, base, img')).toBeNull();
    // Our own Copy buttons are the only buttons; there are no code blocks here.
    expect(root.querySelector('button')).toBeNull();
    for (const attr of attributes(root)) {
      expect(attr).not.toMatch(/ on[a-z]+=/i);
      expect(attr).not.toMatch(/ (style|srcdoc|formaction|action)=/i);
      expect(attr).not.toMatch(/javascript:|data:/i);
    }
    expect((window as { pwned?: number }).pwned).toBeUndefined();
  });

  it('turns a Markdown image into a link instead of loading it', () => {
    const root = dom('![a cat](https://example.com/cat.png)');
    expect(root.querySelector('img')).toBeNull();
    const a = root.querySelector('a')!;
    expect(a.textContent).toBe('a cat');
    expect(a.getAttribute('href')).toBe('https://example.com/cat.png');
  });

  it('renders an unfinished reply without losing text, as it streams', () => {
    const root = dom('Here is code:\n\n```python\nprint("hi")');
    expect(root.textContent).toContain('Here is code:');
    expect(root.querySelector('code')?.textContent).toContain('print("hi")');
  });
});
