/** A bounded, synchronous MIME tree (RFC 2045/2046), built over a binary string. */
import type { Limits } from '../limits.ts';
import { Deadline } from '../limits.ts';
import { decodeCharset } from './charset.ts';
import { Headers, parseContentType, splitHeaders } from './headers.ts';
import { decodeTransfer } from './transfer.ts';

export interface Entity {
  headers: Headers;
  /** Lower-case media type; "text/plain" when none is declared (RFC 2045 §5.2). */
  type: string;
  params: Map<string, string>;
  /** Raw body as a binary string, still transfer-encoded. */
  rawBody: string;
  /** Children of a multipart. */
  parts: Entity[];
  /** The enclosed message of a message/rfc822 (or the header-only entity of text/rfc822-headers). */
  enclosed: Entity | null;
  depth: number;
}

interface Budget {
  parts: number;
  limits: Limits;
  deadline: Deadline;
}

const ENCLOSING_TYPES = new Set(['message/rfc822', 'message/global', 'message/partial', 'message/rfc822-headers', 'text/rfc822-headers', 'text/rfc822-header']);

export function parseEntity(text: string, limits: Limits, deadline: Deadline): Entity {
  return parseAt(text, 0, { parts: 0, limits, deadline }, null);
}

/**
 * `shallow`: only the header block. Used for an enclosed message: decoders read the returned original's
 * headers and text, never its MIME tree, and it is often the largest part of a bounce.
 */
function parseAt(text: string, depth: number, budget: Budget, defaultType: string | null, shallow = false): Entity {
  budget.parts++;
  const { headers, bodyStart } = splitHeaders(text, budget.limits.maxHeaderBytes);
  const ct = parseContentType(headers.get('content-type'));
  const type = ct.type || defaultType || 'text/plain';
  const entity: Entity = { headers, type, params: ct.params, rawBody: text.slice(bodyStart), parts: [], enclosed: null, depth };
  if (shallow || depth >= budget.limits.maxDepth || budget.parts >= budget.limits.maxParts || budget.deadline.expired) return entity;

  if (type.startsWith('multipart/')) {
    const boundary = ct.params.get('boundary');
    if (boundary) {
      const childDefault = type === 'multipart/digest' ? 'message/rfc822' : null;
      for (const chunk of splitMultipart(entity.rawBody, boundary, budget.limits.maxParts)) {
        if (budget.parts >= budget.limits.maxParts || budget.deadline.expired) break;
        entity.parts.push(parseAt(chunk, depth + 1, budget, childDefault));
      }
    }
  } else if (ENCLOSING_TYPES.has(type)) {
    const inner = decodeTransfer(entity.rawBody, headers.get('content-transfer-encoding'));
    entity.enclosed = parseAt(inner.replace(/^\s*\n/, ''), depth + 1, budget, null, true);
  }
  return entity;
}

/** Body chunks between `--boundary` delimiter lines (RFC 2046 §5.1.1); a missing close delimiter is tolerated. */
function splitMultipart(body: string, boundary: string, maxParts: number): string[] {
  const delimiter = '--' + boundary;
  const chunks: string[] = [];
  let pos = indexOfDelimiter(body, delimiter, 0);
  while (pos >= 0 && chunks.length < maxParts) {
    const afterDelim = pos + delimiter.length;
    if (body.startsWith('--', afterDelim)) break; // close delimiter
    const lineEnd = body.indexOf('\n', afterDelim);
    if (lineEnd < 0) break;
    const next = indexOfDelimiter(body, delimiter, lineEnd + 1);
    let chunk = body.slice(lineEnd + 1, next < 0 ? body.length : next);
    // The CRLF before a delimiter belongs to the delimiter.
    if (chunk.endsWith('\r\n')) chunk = chunk.slice(0, -2);
    else if (chunk.endsWith('\n')) chunk = chunk.slice(0, -1);
    chunks.push(chunk);
    pos = next;
  }
  return chunks;
}

function indexOfDelimiter(body: string, delimiter: string, from: number): number {
  let i = body.indexOf(delimiter, from);
  while (i >= 0) {
    if (i === 0 || body.charCodeAt(i - 1) === 10) return i;
    i = body.indexOf(delimiter, i + 1);
  }
  return -1;
}

/** Decoded text of a leaf entity: transfer-decoded, then charset-decoded. */
export function entityText(entity: Entity): string {
  const binary = decodeTransfer(entity.rawBody, entity.headers.get('content-transfer-encoding'));
  return decodeCharset(binary, entity.params.get('charset'));
}
