/**
 * The pages the admin's browser lands on at the end of an authorization flow. Plain HTML, no script (nothing to
 * allow in a Content-Security-Policy), every value escaped; each says what happened and what to do next.
 */
const escape = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

export interface FlowPage {
  status: number;
  title: string;
  lines: string[];
  /** Where to go on: a path of this hub (the console's page of the installation). */
  next?: { href: string; text: string };
}

export function renderPage(page: FlowPage): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escape(page.title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}h1{font-size:1.4rem}</style>
</head><body><main><h1>${escape(page.title)}</h1>
${page.lines.map((line) => `<p>${escape(line)}</p>`).join('\n')}
${page.next ? `<p><a href="${escape(page.next.href)}">${escape(page.next.text)}</a></p>` : ''}
</main></body></html>`;
}

const START_AGAIN = 'Start again from the console (or POST /v1/connectors/{id}/installations): each authorization link works once, for ten minutes.';

export const pages = {
  connected: (name: string, installation: { id: string; connector: string; account: string }, reconnected: boolean): FlowPage => ({
    status: 200,
    title: `${name} is ${reconnected ? 'reconnected' : 'connected'}`,
    lines: [`The hub now acts for ${installation.account}.`],
    next: { href: `/console/connectors/${encodeURIComponent(installation.connector)}/installations/${encodeURIComponent(installation.id)}`, text: 'See the installation in the console' },
  }),
  denied: (name: string): FlowPage => ({
    status: 200,
    title: `${name} was not connected`,
    lines: ['The authorization was declined at the provider, so nothing was installed.', START_AGAIN],
  }),
  providerError: (name: string, code: string, description: string | undefined): FlowPage => ({
    status: 400,
    title: `${name} was not connected`,
    lines: [`The provider answered "${code}"${description ? `: ${description}` : ''}. Nothing was installed.`, START_AGAIN],
  }),
  badState: (): FlowPage => ({
    status: 400,
    title: 'This authorization link is not valid',
    lines: ['The link was altered or does not come from this hub. Nothing was installed.', START_AGAIN],
  }),
  expired: (): FlowPage => ({
    status: 400,
    title: 'This authorization link has expired',
    lines: ['Nothing was installed.', START_AGAIN],
  }),
  used: (): FlowPage => ({
    status: 400,
    title: 'This authorization link was already used',
    lines: ['A link works once. If the first use succeeded, the installation is listed in the console. Nothing more was installed.', START_AGAIN],
  }),
  otherBrowser: (): FlowPage => ({
    status: 400,
    title: 'Finish in the browser that started',
    lines: ['This authorization was started in another browser (or its cookies were blocked). Nothing was installed.', START_AGAIN],
  }),
  starterGone: (): FlowPage => ({
    status: 403,
    title: 'The key that started this is no longer valid',
    lines: ['The API key or session that started this authorization was revoked meanwhile. Nothing was installed.', START_AGAIN],
  }),
  failed: (name: string, message: string): FlowPage => ({
    status: 502,
    title: `${name} was not connected`,
    lines: [message, 'Nothing was installed.', START_AGAIN],
  }),
  refused: (name: string, message: string): FlowPage => ({
    status: 422,
    title: `${name} was not connected`,
    lines: [message, START_AGAIN],
  }),
};
