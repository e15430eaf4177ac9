/**
 * The delivery receipt text of SMPP 3.4 Appendix B, written and read. Pure.
 *
 *   id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:...
 *
 * The spec calls the format "vendor specific", so SMSCs vary: the writer keeps to the letter of the
 * appendix (what ESMEs such as Adobe Campaign parse), the reader accepts what is seen in the field —
 * keys in any case ("Id:", "STAT:"), ids of any length (hex, decimal, UUIDs), dates with seconds
 * (12 digits), long state names ("DELIVERED", "UNDELIVERABLE"), `err:` with letters, missing fields.
 * Both the hub's SMPP server (receipts it sends) and its providers (receipts they get or simulate) use it.
 */

/** SMPP 3.4 Appendix B receipt text, as an SMSC sends it (`stat:` and `err:` are what ESMEs parse). */
export function formatReceiptText(fields: { id: string; submitted: Date; done: Date; stat: string; err: string; text: string }): string {
  const stamp = (date: Date) => date.toISOString().replace(/[-T:]/g, '').slice(2, 12);
  const delivered = fields.stat === 'DELIVRD' ? '001' : '000';
  return `id:${fields.id} sub:001 dlvrd:${delivered} submit date:${stamp(fields.submitted)} done date:${stamp(fields.done)} stat:${fields.stat} err:${fields.err} text:${fields.text.slice(0, 20)}`;
}

export interface ReceiptText {
  id?: string;
  stat?: string;
  err?: string;
  submitDate?: string;
  doneDate?: string;
}

/** The key:value fields of a receipt text, tolerant of case and spacing; absent fields stay undefined. */
export function parseReceiptText(text: string): ReceiptText {
  // "text:" is free text that may itself contain "stat:"; only what comes before it is parsed.
  const head = text.split(/\btext:/i)[0] ?? text;
  const field = (pattern: RegExp) => pattern.exec(head)?.[1];
  const result: ReceiptText = {};
  const id = field(/(?:^|\s)id:\s*([^\s]+)/i);
  const stat = field(/\bstat:\s*([A-Za-z_]+)/i);
  const err = field(/\berr:\s*([0-9A-Za-z]+)/i);
  const submitDate = field(/\bsubmit[ _]date:\s*(\d{10,12})/i);
  const doneDate = field(/\bdone[ _]date:\s*(\d{10,12})/i);
  if (id !== undefined) result.id = id;
  if (stat !== undefined) result.stat = stat;
  if (err !== undefined) result.err = err;
  if (submitDate !== undefined) result.submitDate = submitDate;
  if (doneDate !== undefined) result.doneDate = doneDate;
  return result;
}
