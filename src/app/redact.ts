/**
 * Guests' addresses are personal data (GDPR): log lines carry ids, and any remote or library text
 * that goes into a log is passed through here first. Diagnostics shown to the hotel keep them.
 */
const EMAIL_ADDRESS = /[^\s<>()[\]",;:@]+@[^\s<>()[\]",;:@]+\.[^\s<>()[\]",;:@]+/g;

export function redactAddresses(text: string): string {
  return text.replace(EMAIL_ADDRESS, '[address]');
}

/** A URL for a log line: the path without query string and with anything that looks like an address masked. */
export function redactUrl(url: string): string {
  const path = url.split('?')[0] ?? '';
  return redactAddresses(decodeURIComponentSafe(path));
}

function decodeURIComponentSafe(s: string): string {
  try { return decodeURIComponent(s); } catch { return s; }
}
