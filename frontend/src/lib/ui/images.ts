import type { Image } from '../backend';

/** What the backend takes (chat.send): at most 4 pictures, PNG, JPEG, GIF or WebP. */
export const MAX_IMAGES = 4;
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

// A picture up to this size goes as it is; a larger one is scaled so its longer side is at most
// MAX_SIDE (what vision models look at anyway) and sent as JPEG (a few hundred kB), so that even
// the request stays small and the model reads them quickly.
const KEEP_BYTES = 500_000;
const MAX_SIDE = 1568;

/** Reads a file the person attached, pasted or dropped into what a message carries. */
export async function toImage(file: Blob & { name?: string }): Promise<Image> {
  if (!IMAGE_TYPES.includes(file.type)) {
    throw new Error(`${file.name || 'This file'} is not a PNG, JPEG, GIF or WebP picture.`);
  }
  if (file.size <= KEEP_BYTES) return { mediaType: file.type, data: await base64(file) };
  return { mediaType: 'image/jpeg', data: await base64(await scaleDown(file)) };
}

export function dataUrl(im: Image): string {
  return `data:${im.mediaType};base64,${im.data}`;
}

// FileReader, not Blob.arrayBuffer: every webview the app runs in (and jsdom) has it.
function base64(b: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(new Error('The picture could not be read.'));
    r.readAsDataURL(b);
  });
}

async function scaleDown(file: Blob): Promise<Blob> {
  const bmp = await createImageBitmap(file);
  const k = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(bmp.width * k));
  canvas.height = Math.max(1, Math.round(bmp.height * k));
  canvas.getContext('2d')?.drawImage(bmp, 0, 0, canvas.width, canvas.height);
  bmp.close();
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('The picture could not be scaled down.'))), 'image/jpeg', 0.85),
  );
}
