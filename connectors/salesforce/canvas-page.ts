/**
 * The SMS tab's HTML: Salesforce's look (SLDS, served by the hub), the form the page's script (canvas-tab.js) drives,
 * and what the script needs as a JSON data block (`<script type="application/json">`, which is data, not code: the
 * CSP's script-src stays 'self' with no 'unsafe-inline').
 *
 * Framing: Salesforce shows a Canvas app in an iframe of the org's Lightning pages (`<name>.lightning.force.com`),
 * its My Domain (`<name>.my.salesforce.com`) and, for page layouts and Visualforce, frames served from the org's
 * Visualforce hosts (`<name>--c.vf.force.com`, formerly `*.visualforce.com`). frame-ancestors names the org's own
 * hosts, taken from the verified request's instanceUrl and targetOrigin, and the Visualforce domains (their host
 * names carry the package namespace, so only a wildcard matches); any other site framing the tab is refused.
 */
import type { CanvasRequest } from './canvas.ts';
import { isSalesforceHost } from './client.ts';
import type { TabTexts } from './canvas-texts.ts';

/** The Canvas App URL of an installation: /connectors/salesforce/<installation id>/canvas. */
export const CANVAS_PATH = 'canvas';
export const CANVAS_ASSETS = '/connectors/salesforce/canvas/assets';
export const SLDS_STYLESHEET = `${CANVAS_ASSETS}/slds/styles/salesforce-lightning-design-system.min.css`;

const VISUALFORCE_HOSTS = ['https://*.vf.force.com', 'https://*.visualforce.com'];
/** When the request names no usable host (it always does in practice): Salesforce's Lightning and My Domain hosts. */
const ANY_ORG_HOSTS = ['https://*.my.salesforce.com', 'https://*.lightning.force.com'];

export function frameAncestors(client: CanvasRequest['client']): string[] {
  const hosts = new Set<string>();
  for (const raw of [client.instanceUrl, client.targetOrigin]) {
    let url: URL | undefined;
    try {
      url = typeof raw === 'string' ? new URL(raw) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || url.protocol !== 'https:' || !isSalesforceHost(url.hostname)) continue;
    hosts.add(url.origin);
    // The org's My Domain and its Lightning host go together (acme.my.salesforce.com ↔ acme.lightning.force.com).
    const myDomain = /^(.+)\.my\.salesforce\.com$/.exec(url.hostname)?.[1];
    const lightning = /^(.+)\.lightning\.force\.com$/.exec(url.hostname)?.[1];
    if (myDomain) hosts.add(`https://${myDomain}.lightning.force.com`);
    if (lightning) hosts.add(`https://${lightning}.my.salesforce.com`);
  }
  return [...(hosts.size > 0 ? hosts : ANY_ORG_HOSTS), ...VISUALFORCE_HOSTS];
}

export function canvasCsp(ancestors: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    // SLDS draws some controls (a select's arrow) with data: images.
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${ancestors.length > 0 ? ancestors.join(' ') : "'none'"}`,
  ].join('; ');
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);
/** JSON inside a script element: `<` escaped so no `</script>` can close it early. */
const jsonBlock = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

export interface TabPageData {
  /** The short-lived credential the page's calls carry (Authorization: Bearer). */
  token: string;
  expiresAt: string;
  apiBase: string;
  language: string;
  timeZone: string | undefined;
  texts: TabTexts;
  record: { type: string; id: string; name: string; fields: Record<string, unknown> };
  phones: { field: string; raw: string; e164: string; mobile: boolean }[];
  templates: { name: string; text: string; category: 'transactional' | 'marketing' }[];
  mergeFields: string[];
}

function shell(language: string, title: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="${escapeHtml(language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${SLDS_STYLESHEET}">
<link rel="stylesheet" href="${CANVAS_ASSETS}/canvas-tab.css">
${head}</head>
<body class="slds-scope">
${body}
</body>
</html>
`;
}

/** A page that says why there is no tab (refused request, record of another kind); no script. */
export function renderTabNotice(language: string, texts: Pick<TabTexts, 'title'>, message: string): string {
  return shell(
    language,
    texts.title,
    `<main class="tab slds-p-around_small"><div class="slds-notify slds-notify_alert slds-alert_warning" role="alert"><h1 class="slds-text-heading_small">${escapeHtml(message)}</h1></div></main>`,
  );
}

export function renderTabPage(data: TabPageData): string {
  const t = data.texts;
  const option = (value: string, label: string) => `<option value="${escapeHtml(value)}">${escapeHtml(label)}</option>`;
  const phones = data.phones.map((phone) => option(phone.e164, `${phone.raw}${phone.mobile ? ` (${t.mobile})` : ''} · ${phone.field}`)).join('');
  const templates = [option('', t.freeText), ...data.templates.map((template, index) => option(String(index), template.name))].join('');
  const fields = data.mergeFields.map((field) => option(field, field.slice('record.'.length))).join('');
  const select = (id: string, label: string, options: string) => `<div class="slds-form-element"><label class="slds-form-element__label" for="${id}">${escapeHtml(label)}</label><div class="slds-form-element__control"><div class="slds-select_container"><select class="slds-select" id="${id}">${options}</select></div></div></div>`;
  const compose =
    data.phones.length === 0
      ? `<div class="slds-notify slds-notify_alert slds-alert_warning" role="alert">${escapeHtml(t.noPhone)}</div>`
      : `<form id="compose" class="slds-form" novalidate>
${select('phone', t.phone, phones)}
${select('template', t.template, templates)}
<div class="tab-insert">
${select('field', t.insertField, fields)}
<button type="button" class="slds-button slds-button_neutral" id="insert">${escapeHtml(t.insert)}</button>
</div>
<div class="slds-form-element"><label class="slds-form-element__label" for="text">${escapeHtml(t.message)}</label><div class="slds-form-element__control"><textarea class="slds-textarea" id="text" rows="4" maxlength="5000"></textarea></div></div>
${select('category', t.category, option('transactional', t.transactional) + option('marketing', t.marketing))}
<section class="slds-box slds-box_x-small slds-theme_shade tab-preview" aria-labelledby="preview-title"><h2 id="preview-title" class="slds-text-title_caps">${escapeHtml(t.preview)}</h2><div id="preview" aria-live="polite"><p>${escapeHtml(t.previewEmpty)}</p></div></section>
<div class="slds-form-element"><label class="slds-form-element__label" for="send-at">${escapeHtml(t.sendAt)}</label><div class="slds-form-element__control"><input class="slds-input" type="datetime-local" id="send-at"></div></div>
<div class="tab-actions"><button type="submit" class="slds-button slds-button_brand" id="send">${escapeHtml(t.sendNow)}</button></div>
<div id="status" role="status" aria-live="polite"></div>
</form>`;
  return shell(
    data.language,
    `${t.title} · ${data.record.name}`,
    `<main class="tab slds-p-around_small">
<h1 class="slds-text-heading_small slds-m-bottom_small">${escapeHtml(t.title)} · ${escapeHtml(data.record.name)}</h1>
${compose}
<section class="slds-m-top_medium" aria-labelledby="history-title"><h2 id="history-title" class="slds-text-heading_small">${escapeHtml(t.history)}</h2><ul id="history" class="slds-has-dividers_bottom-space"></ul></section>
</main>`,
    `<script type="application/json" id="tab-data">${jsonBlock(data)}</script>
<script type="module" src="${CANVAS_ASSETS}/canvas-tab.js"></script>
`,
  );
}
