/** The view of one incoming mail that every decoder works on: top headers, report text, DSN fields, the original. */
import type { Limits } from './limits.ts';
import { Deadline } from './limits.ts';
import type { Entity } from './mime/entity.ts';
import { entityText, parseEntity } from './mime/entity.ts';
import { Headers, splitHeaders } from './mime/headers.ts';

export interface BounceMessage {
  headers: Headers;
  /** Lower-case Subject and From of the bounce itself, for cheap dialect checks. */
  subject: string;
  from: string;
  root: Entity;
  /** Decoded human-readable text, LF line endings, enclosed messages left out. */
  text: string;
  /** `text` lower-cased, computed on first use and shared: many dialects look for case-insensitive markers. */
  readonly lowerText: string;
  /** Bodies of message/delivery-status parts (RFC 3464), decoded, in document order. */
  deliveryStatus: string[];
  /** Bodies of message/feedback-report parts (RFC 5965). */
  feedbackReports: string[];
  /** Headers of the returned original message, if enclosed as message/rfc822 or text/rfc822-headers. */
  original: Headers | null;
  /** Decoded text of the enclosed original (headers and body), if any. */
  originalText: string | null;
  limits: Limits;
  deadline: Deadline;
}

const DSN_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status', 'text/delivery-status', 'message/x-delivery-status']);
const ORIGINAL_TYPES = new Set(['message/rfc822', 'message/global', 'message/partial', 'text/rfc822-headers', 'message/rfc822-headers', 'text/rfc822-header']);

export function buildMessage(binary: string, limits: Limits, deadline: Deadline): BounceMessage {
  const root = parseEntity(binary, limits, deadline);
  const texts: string[] = [];
  const deliveryStatus: string[] = [];
  const feedbackReports: string[] = [];
  let original: Entity | null = null;
  let textChars = 0;

  const pushText = (t: string): void => {
    if (textChars >= limits.maxTextChars) return;
    const slice = t.length + textChars > limits.maxTextChars ? t.slice(0, limits.maxTextChars - textChars) : t;
    texts.push(slice);
    textChars += slice.length;
  };

  const walk = (e: Entity, topLevel: boolean): void => {
    if (deadline.expired) return;
    if (e.type.startsWith('multipart/')) {
      if (e.parts.length === 0) {
        pushText(entityText(e));
        return;
      }
      if (e.type === 'multipart/alternative') {
        const plain = e.parts.find((p) => p.type === 'text/plain') ?? e.parts[0];
        walk(plain, false);
        return;
      }
      for (const p of e.parts) walk(p, false);
      return;
    }
    if (DSN_TYPES.has(e.type)) {
      deliveryStatus.push(normalise(entityText(e)));
      return;
    }
    if (e.type === 'message/feedback-report') {
      feedbackReports.push(normalise(entityText(e)));
      return;
    }
    if (ORIGINAL_TYPES.has(e.type) && !topLevel) {
      if (!original) original = e;
      return;
    }
    if (e.type === 'text/html') {
      pushText(stripHtml(entityText(e)));
      return;
    }
    if (e.type.startsWith('text/') || e.type === '' || e.type === 'message/rfc822') {
      pushText(entityText(e));
      return;
    }
    // Attachments (images, application/*) carry nothing a bounce decoder needs.
    if (e.type === 'application/octet-stream' && (e.params.get('name') ?? '').endsWith('.txt')) pushText(entityText(e));
  };
  walk(root, true);

  const orig = original as Entity | null;
  let originalHeaders: Headers | null = null;
  let originalText: string | null = null;
  if (orig) {
    if (orig.enclosed) {
      originalHeaders = orig.enclosed.headers;
      originalText = normalise(entityText(orig).slice(0, 64 * 1024));
    } else {
      const decoded = entityText(orig);
      originalHeaders = splitHeaders(decoded, limits.maxHeaderBytes).headers;
      originalText = normalise(decoded.slice(0, 64 * 1024));
    }
  }

  const text = normalise(texts.join('\n'));
  let lowerText: string | null = null;
  return {
    headers: root.headers,
    subject: (root.headers.get('subject') ?? '').toLowerCase(),
    from: (root.headers.get('from') ?? '').toLowerCase(),
    root,
    text,
    get lowerText(): string {
      lowerText ??= text.toLowerCase();
      return lowerText;
    },
    deliveryStatus,
    feedbackReports,
    original: originalHeaders,
    originalText,
    limits,
    deadline,
  };
}

/** LF line endings, no NULs. */
export function normalise(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/\0/g, '');
}

function stripHtml(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>|<\/p>|<\/div>|<\/tr>|<\/li>|<\/h\d>/gi, '\n')
    .replace(/<[^>]{0,2000}>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

export { Headers };
