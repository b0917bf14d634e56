// The few things the desktop webview does differently from a browser that are not backend calls:
// a link must open in the person's browser instead of replacing the app, and the clipboard is
// reached through Wails where the webview's own may be unavailable.

interface WailsRuntime {
  BrowserOpenURL?(url: string): void;
  ClipboardSetText?(text: string): Promise<boolean>;
}

function wailsRuntime(): WailsRuntime | undefined {
  return (window as { runtime?: WailsRuntime }).runtime;
}

export function openExternal(url: string): void {
  const rt = wailsRuntime();
  if (rt?.BrowserOpenURL) rt.BrowserOpenURL(url);
  else window.open(url, '_blank', 'noopener,noreferrer');
}

export async function copyText(text: string): Promise<boolean> {
  const rt = wailsRuntime();
  try {
    if (rt?.ClipboardSetText) return await rt.ClipboardSetText(text);
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
