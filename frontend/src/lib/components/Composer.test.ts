import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { Image } from '../backend';
import Composer from './Composer.svelte';

function setup(onsend: (text: string, images: Image[]) => Promise<boolean>, streaming = false) {
  const onstop = vi.fn();
  render(Composer, { props: { streaming, onsend, onstop } });
  const box = screen.getByTestId('composer-input') as HTMLTextAreaElement;
  return { box, onstop };
}

async function type(box: HTMLTextAreaElement, text: string) {
  await fireEvent.input(box, { target: { value: text } });
}

describe('Composer', () => {
  it('sends on Enter and clears the text once the send succeeded', async () => {
    const onsend = vi.fn(async () => true);
    const { box } = setup(onsend);
    await type(box, 'Hello there');
    await fireEvent.keyDown(box, { key: 'Enter' });
    await vi.waitFor(() => expect(box.value).toBe(''));
    expect(onsend).toHaveBeenCalledWith('Hello there', []);
  });

  it('keeps what was typed when the send fails', async () => {
    const onsend = vi.fn(async () => false);
    const { box } = setup(onsend);
    await type(box, 'Do not lose me');
    await fireEvent.click(screen.getByTestId('send-button'));
    await vi.waitFor(() => expect(onsend).toHaveBeenCalledOnce());
    await vi.waitFor(() => expect(box.readOnly).toBe(false));
    expect(box.value).toBe('Do not lose me');
  });

  it('does not send on Shift+Enter, during IME composition, or when empty', async () => {
    const onsend = vi.fn(async () => true);
    const { box } = setup(onsend);
    await fireEvent.keyDown(box, { key: 'Enter' });
    await type(box, 'line one');
    await fireEvent.keyDown(box, { key: 'Enter', shiftKey: true });
    await fireEvent.keyDown(box, { key: 'Enter', isComposing: true });
    expect(onsend).not.toHaveBeenCalled();
    expect((screen.getByTestId('send-button') as HTMLButtonElement).disabled).toBe(false);
  });

  it('shows Stop instead of Send while a reply streams', async () => {
    const onsend = vi.fn(async () => true);
    const { box, onstop } = setup(onsend, true);
    expect(screen.queryByTestId('send-button')).toBeNull();
    await type(box, 'next question');
    await fireEvent.keyDown(box, { key: 'Enter' });
    expect(onsend).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByTestId('stop-button'));
    expect(onstop).toHaveBeenCalledOnce();
  });

  it('sends an attached picture, even without text, and refuses a file that is not one', async () => {
    const onsend = vi.fn(async () => true);
    setup(onsend);
    const input = screen.getByTestId('attach-input') as HTMLInputElement;
    const png = new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], 'dot.png', { type: 'image/png' });
    await fireEvent.change(input, { target: { files: [png] } });
    await vi.waitFor(() => expect(screen.getAllByTestId('attachment')).toHaveLength(1));
    await fireEvent.click(screen.getByTestId('send-button'));
    await vi.waitFor(() => expect(onsend).toHaveBeenCalledWith('', [{ mediaType: 'image/png', data: 'iVBORw==' }]));
    await vi.waitFor(() => expect(screen.queryAllByTestId('attachment')).toHaveLength(0));

    const pdf = new File(['%PDF-1.4'], 'paper.pdf', { type: 'application/pdf' });
    await fireEvent.change(input, { target: { files: [pdf] } });
    await vi.waitFor(() => expect(screen.getByTestId('attach-error').textContent).toContain('paper.pdf is not a PNG'));
  });

  it('takes a pasted or dropped picture, and leaves pasted text to the text box', async () => {
    const onsend = vi.fn(async () => true);
    const { box } = setup(onsend);
    const png = (name: string) => new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], name, { type: 'image/png' });
    const plain = await fireEvent.paste(box, { clipboardData: { files: [] } });
    expect(plain).toBe(true); // not prevented: the browser pastes the text
    const pasted = await fireEvent.paste(box, { clipboardData: { files: [png('pasted.png')] } });
    expect(pasted).toBe(false);
    await vi.waitFor(() => expect(screen.getAllByTestId('attachment')).toHaveLength(1));
    await fireEvent.drop(box.closest('form')!, { dataTransfer: { files: [png('dropped.png')] } });
    await vi.waitFor(() => expect(screen.getAllByTestId('attachment')).toHaveLength(2));
    await fireEvent.click(screen.getByRole('button', { name: 'Remove picture 1' }));
    await vi.waitFor(() => expect(screen.getAllByTestId('attachment')).toHaveLength(1));
  });
});

