/**
 * The parts of one message → its text. Pure.
 *
 * Parts are joined in sequence order before decoding (udh.ts: a GSM escape or a UTF-16 surrogate pair
 * may be split across parts). A part received twice (an ESME resending after a slow submit_sm_resp)
 * counts once.
 */
import { decodeShortMessage } from '../../sending/encoding/index.ts';

export interface StoredPart {
  partSeq: number;
  partTotal: number;
  dataCoding: number;
  userData: Buffer;
}

export type AssembleResult = { ok: true; text: string } | { ok: false; reason: string };

export function missingParts(parts: readonly Pick<StoredPart, 'partSeq' | 'partTotal'>[]): number[] {
  const total = Math.max(...parts.map((part) => part.partTotal));
  const present = new Set(parts.map((part) => part.partSeq));
  return Array.from({ length: total }, (_, index) => index + 1).filter((seq) => !present.has(seq));
}

export function assembleText(parts: readonly StoredPart[]): AssembleResult {
  const missing = missingParts(parts);
  if (missing.length > 0) return { ok: false, reason: `part(s) ${missing.join(', ')} of ${parts[0]!.partTotal} never arrived` };
  const bySeq = new Map<number, StoredPart>();
  for (const part of parts) if (!bySeq.has(part.partSeq)) bySeq.set(part.partSeq, part);
  const ordered = [...bySeq.values()].sort((a, b) => a.partSeq - b.partSeq);
  let text = '';
  // Runs of parts with the same data_coding are joined as octets, then decoded.
  for (let start = 0; start < ordered.length; ) {
    let end = start + 1;
    while (end < ordered.length && ordered[end]!.dataCoding === ordered[start]!.dataCoding) end++;
    const decoded = decodeShortMessage(Buffer.concat(ordered.slice(start, end).map((part) => part.userData)), ordered[start]!.dataCoding);
    if (!decoded.ok) return { ok: false, reason: decoded.error.message };
    text += decoded.text;
    start = end;
  }
  if (text.trim().length === 0) return { ok: false, reason: 'the message text is empty' };
  // The sending core reads "{{" as a template tag; relayed text must not be rendered (issue filed in the SMPP report).
  if (text.includes('{{')) return { ok: false, reason: 'the text contains "{{", which the hub would read as a template tag' };
  return { ok: true, text };
}
