import { LIST_UNSUBSCRIBE_POST } from './list-unsubscribe.ts';

/**
 * The small HTML pages of the unsubscribe link, in French and English (the hub's tenants write
 * to French audiences first). No script, no external resource: the page is served to anyone who
 * holds a link, so it shows the address only masked (links get forwarded) and says nothing about
 * the sender that the mail did not already say.
 */

export type UnsubscribePage =
  /** GET: a button that POSTs; never unsubscribe on GET, link scanners and previews fetch it. */
  | { kind: 'confirm'; address: string; token: string }
  | { kind: 'done'; address: string }
  | { kind: 'invalid' };

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

/** "camille.martin@example.fr" → "c•••••••••••@example.fr"; a phone number keeps its last 2 digits. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at > 0) return `${address[0]}${'•'.repeat(Math.max(at - 1, 2))}${address.slice(at)}`;
  return address.length <= 4 ? '•'.repeat(address.length) : `${address.slice(0, 3)}${'•'.repeat(address.length - 5)}${address.slice(-2)}`;
}

const layout = (title: string, body: string) => `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${title}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1f2328;line-height:1.5}
h1{font-size:1.4rem}p.en{color:#59636e}
button{font:inherit;padding:.6rem 1.2rem;border:0;border-radius:.4rem;background:#1f6feb;color:#fff;cursor:pointer}
</style>
</head>
<body>
${body}
</body>
</html>
`;

export function renderUnsubscribePage(page: UnsubscribePage): string {
  switch (page.kind) {
    case 'confirm': {
      const address = escapeHtml(maskAddress(page.address));
      const [field, value] = LIST_UNSUBSCRIBE_POST.split('=') as [string, string];
      // A relative action keeps working when the hub is served under a path prefix.
      return layout(
        'Se désinscrire / Unsubscribe',
        `<h1>Se désinscrire</h1>
<p>Ne plus recevoir d’e-mails de cet expéditeur à l’adresse <strong>${address}</strong> ?</p>
<p class="en">Stop receiving emails from this sender at <strong>${address}</strong>?</p>
<form method="post" action="${escapeHtml(page.token)}">
<input type="hidden" name="${field}" value="${value}">
<button type="submit">Me désinscrire / Unsubscribe</button>
</form>`,
      );
    }
    case 'done': {
      const address = escapeHtml(maskAddress(page.address));
      return layout(
        'Désinscription enregistrée / Unsubscribed',
        `<h1>Désinscription enregistrée</h1>
<p>L’adresse <strong>${address}</strong> ne recevra plus d’e-mails de cet expéditeur.</p>
<p class="en">Unsubscribed: <strong>${address}</strong> will not receive emails from this sender any more.</p>`,
      );
    }
    case 'invalid':
      return layout(
        'Lien invalide / Invalid link',
        `<h1>Lien de désinscription invalide</h1>
<p>Ce lien est incomplet ou a été modifié. Utilisez le lien de désinscription de l’e-mail reçu, tel quel.</p>
<p class="en">This unsubscribe link is incomplete or was altered. Use the unsubscribe link of the email as it is.</p>`,
      );
  }
}
