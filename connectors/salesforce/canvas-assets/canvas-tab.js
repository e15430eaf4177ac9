// The SMS tab's script (served by the hub, run in the Salesforce Canvas iframe). It reads what the page was given
// (#tab-data: the tab credential, the record, its phones, the templates, the words in the rep's language) and calls
// the hub's tab API with that credential only. Every text from the record or the hub is set as textContent, never
// parsed as HTML. Plain browser JavaScript: the CSP allows this file and nothing inline.

const data = JSON.parse(document.getElementById('tab-data').textContent);
const t = data.texts;
const $ = (id) => document.getElementById(id);

const dateFormat = new Intl.DateTimeFormat(data.language === 'fr' ? 'fr-FR' : 'en-GB', {
  dateStyle: 'short',
  timeStyle: 'short',
  ...(data.timeZone ? { timeZone: data.timeZone } : {}),
});
const formatDate = (value) => dateFormat.format(new Date(value));

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

class TabError extends Error {}

/** One key per click: the hub sends a retried call once. (getRandomValues works outside secure contexts too.) */
const clickKey = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');

async function call(method, path, body) {
  const response = await fetch(data.apiBase + path, {
    method,
    headers: { authorization: `Bearer ${data.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = response.status === 204 ? null : await response.json().catch(() => null);
  if (response.status === 401) throw new TabError(t.expired);
  if (!response.ok) {
    const details = (answer?.errors ?? []).map((error) => error.message).join('; ');
    throw new TabError(`${answer?.detail ?? response.statusText}${details ? ` (${details})` : ''}`);
  }
  return answer;
}

function showStatus(text, kind) {
  const status = $('status');
  if (!status) return;
  status.replaceChildren();
  if (!text) return;
  const box = element('div', `slds-notify slds-notify_alert ${kind === 'error' ? 'slds-alert_error' : 'slds-alert_offline tab-success'}`, text);
  status.append(box);
}

// ── History ─────────────────────────────────────────────────────────────────────────────────────────────────────
const FINAL = new Set(['delivered', 'undelivered', 'expired', 'rejected', 'failed', 'blocked']);
let historyTimer;

function historyItem(entry) {
  const item = element('li', 'slds-item tab-history-item');
  item.dataset.direction = entry.direction;
  const head = element('p', 'slds-text-title');
  if (entry.direction === 'sent') {
    head.textContent = `${t.outgoing} · ${formatDate(entry.at)} · `;
    const badge = element('span', `slds-badge tab-status tab-status_${entry.status}`, t.statuses[entry.status] ?? entry.status);
    badge.dataset.status = entry.status;
    head.append(badge);
    if (entry.status === 'scheduled' && entry.scheduledFor) head.append(` ${formatDate(entry.scheduledFor)}`);
    if (entry.blockReason) head.append(` (${t.blockReasons[entry.blockReason] ?? entry.blockReason})`);
  } else {
    head.textContent = `${t.incoming} · ${formatDate(entry.at)}`;
    if (entry.optOut) head.append(' ', element('span', 'slds-badge slds-theme_error', t.optedOut));
  }
  item.append(head, element('p', 'tab-history-text', entry.text));
  for (const receipt of entry.receipts ?? []) {
    item.append(element('p', 'slds-text-body_small tab-receipt', `${t.receipt} · ${t.statuses[receipt.status] ?? receipt.status} · ${formatDate(receipt.at)}${receipt.errorCode && !/^0+$/.test(receipt.errorCode) ? ` (${receipt.errorCode})` : ''}`));
  }
  return item;
}

async function loadHistory() {
  clearTimeout(historyTimer);
  const list = $('history');
  try {
    const { items } = await call('GET', '/history');
    list.replaceChildren(...(items.length === 0 ? [element('li', 'slds-item', t.historyEmpty)] : items.map(historyItem)));
    // Receipts arrive after the send: look again while a message is on its way.
    if (items.some((entry) => entry.direction === 'sent' && !FINAL.has(entry.status) && entry.status !== 'scheduled')) historyTimer = setTimeout(loadHistory, 3000);
  } catch (error) {
    list.replaceChildren(element('li', 'slds-item slds-text-color_error', error instanceof TabError ? error.message : `${t.failed} ${error}`));
  }
}

// ── Composing ───────────────────────────────────────────────────────────────────────────────────────────────────
const form = $('compose');
if (form) {
  const text = $('text');
  const category = $('category');
  const phone = $('phone');
  const sendAt = $('send-at');
  const send = $('send');
  const preview = $('preview');
  let previewTimer;
  let previewRun = 0;

  const renderPreview = (result) => {
    const nodes = [element('p', 'tab-preview-text', result.text)];
    const counts = `${result.encoding} · ${result.units} ${t.characters} · ${result.segments} ${t.segments}`;
    nodes.push(element('p', 'slds-text-body_small', counts));
    if (result.optOutMentionAppended) nodes.push(element('p', 'slds-text-body_small', t.stopAppended));
    if (result.nonGsmCharacters.length > 0) nodes.push(element('p', 'slds-text-body_small', `${t.nonGsm} ${result.nonGsmCharacters.join(' ')}`));
    if (!result.withinLimit) nodes.push(element('p', 'slds-text-color_error', `${t.overLimit} (${result.maxSegments} ${t.segments})`));
    if (result.compliance?.decision === 'block') nodes.push(element('p', 'slds-text-color_error', `${t.willBlock} ${t.blockReasons[result.compliance.reason] ?? result.compliance.reason}`));
    if (result.compliance?.decision === 'defer') nodes.push(element('p', 'slds-text-body_small', `${t.willDefer} ${formatDate(result.compliance.until)}`));
    for (const warning of result.warnings) nodes.push(element('p', 'slds-text-body_small', warning));
    preview.replaceChildren(...nodes);
  };

  const refreshPreview = async () => {
    const run = ++previewRun;
    if (text.value.trim() === '') {
      preview.replaceChildren(element('p', '', t.previewEmpty));
      return;
    }
    try {
      const result = await call('POST', '/preview', { text: text.value, category: category.value, to: phone.value, record: data.record.fields });
      if (run === previewRun) renderPreview(result);
    } catch (error) {
      if (run === previewRun) preview.replaceChildren(element('p', 'slds-text-color_error', error instanceof TabError ? error.message : `${t.failed} ${error}`));
    }
  };
  const schedulePreview = () => {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(refreshPreview, 250);
  };

  $('template').addEventListener('change', (event) => {
    const template = data.templates[Number(event.target.value)];
    if (event.target.value === '' || !template) return;
    text.value = template.text;
    category.value = template.category;
    refreshPreview();
  });
  $('insert').addEventListener('click', () => {
    const variable = `{{ ${$('field').value} }}`;
    const start = text.selectionStart ?? text.value.length;
    text.setRangeText(variable, start, text.selectionEnd ?? start, 'end');
    text.focus();
    refreshPreview();
  });
  text.addEventListener('input', schedulePreview);
  category.addEventListener('change', refreshPreview);
  phone.addEventListener('change', refreshPreview);
  sendAt.addEventListener('input', () => {
    send.textContent = sendAt.value ? t.schedule : t.sendNow;
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (text.value.trim() === '') return;
    send.disabled = true;
    showStatus(t.sending);
    try {
      const when = sendAt.value ? new Date(sendAt.value).toISOString() : undefined;
      const sent = await call('POST', '/send', { text: text.value, category: category.value, to: phone.value, key: clickKey(), ...(when ? { sendAt: when } : {}) });
      showStatus(sent.status === 'scheduled' && sent.scheduledFor ? `${t.scheduled} ${formatDate(sent.scheduledFor)}.` : t.sent);
      text.value = '';
      sendAt.value = '';
      send.textContent = t.sendNow;
      preview.replaceChildren(element('p', '', t.previewEmpty));
      await loadHistory();
    } catch (error) {
      showStatus(error instanceof TabError ? error.message : `${t.failed} ${error}`, 'error');
    } finally {
      send.disabled = false;
    }
  });
}

loadHistory();
