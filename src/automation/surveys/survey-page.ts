/**
 * The one-question page behind a survey link, in French or English: a fieldset of five labelled
 * radio buttons (keyboard and screen-reader friendly, no script), an optional comment, one button.
 * Plain HTML with inline style; nothing the customer typed is echoed unescaped. Pure.
 */
export type SurveyLanguage = 'fr' | 'en';

export type SurveyPage =
  | { kind: 'question'; token: string; error?: boolean }
  | { kind: 'thanks'; score: number }
  | { kind: 'already-answered' }
  | { kind: 'expired' }
  | { kind: 'invalid' };

const TEXTS = {
  fr: {
    title: 'Votre avis',
    question: 'Êtes-vous satisfait(e) de votre commande ?',
    scale: ['1 – Pas du tout satisfait(e)', '2 – Peu satisfait(e)', '3 – Moyennement satisfait(e)', '4 – Satisfait(e)', '5 – Ravi(e)'],
    comment: 'Un commentaire ? (facultatif)',
    send: 'Envoyer mon avis',
    error: 'Choisissez une note de 1 à 5.',
    thanks: 'Merci pour votre réponse !',
    thanksDetail: (score: number) => `Votre note : ${score} sur 5.`,
    already: 'Vous avez déjà répondu à cette question. Merci !',
    expired: 'Cette enquête est terminée : le lien a expiré.',
    invalid: 'Ce lien n’est pas valide : il est incomplet ou a été modifié.',
  },
  en: {
    title: 'Your opinion',
    question: 'How satisfied are you with your order?',
    scale: ['1 – Not satisfied at all', '2 – Not very satisfied', '3 – Fairly satisfied', '4 – Satisfied', '5 – Delighted'],
    comment: 'Any comment? (optional)',
    send: 'Send my answer',
    error: 'Choose a score from 1 to 5.',
    thanks: 'Thank you for your answer!',
    thanksDetail: (score: number) => `Your score: ${score} out of 5.`,
    already: 'You have already answered this question. Thank you!',
    expired: 'This survey is over: the link has expired.',
    invalid: 'This link is not valid: it is incomplete or was altered.',
  },
} as const;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (text: string) => text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);

/** The contact's locale when known, else the browser's first language; French by default. */
export function surveyLanguage(locale: string | null | undefined, acceptLanguage: string | undefined): SurveyLanguage {
  const first = (locale ?? acceptLanguage?.split(',')[0] ?? '').trim().toLowerCase();
  return first.startsWith('en') ? 'en' : 'fr';
}

export function renderSurveyPage(page: SurveyPage, language: SurveyLanguage): string {
  const t = TEXTS[language];
  let body: string;
  switch (page.kind) {
    case 'question': {
      const options = t.scale
        .map((label, index) => `<div class="opt"><input type="radio" id="score-${index + 1}" name="score" value="${index + 1}" required><label for="score-${index + 1}">${escape(label)}</label></div>`)
        .join('\n');
      const error = page.error ? `<p class="err" role="alert" id="err">${escape(t.error)}</p>` : '';
      body = `<form method="post" action="${escape(page.token)}">
${error}<fieldset${page.error ? ' aria-describedby="err"' : ''}><legend><h1>${escape(t.question)}</h1></legend>
${options}
</fieldset>
<p><label for="comment">${escape(t.comment)}</label><br><textarea id="comment" name="comment" rows="3" maxlength="1000"></textarea></p>
<p><button type="submit">${escape(t.send)}</button></p>
</form>`;
      break;
    }
    case 'thanks':
      body = `<h1>${escape(t.thanks)}</h1><p>${escape(t.thanksDetail(page.score))}</p>`;
      break;
    case 'already-answered':
      body = `<h1>${escape(t.already)}</h1>`;
      break;
    case 'expired':
      body = `<h1>${escape(t.expired)}</h1>`;
      break;
    case 'invalid':
      body = `<h1>${escape(t.invalid)}</h1>`;
      break;
  }
  return `<!doctype html>
<html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${escape(t.title)}</title>
<style>body{font:1.05rem/1.5 system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}h1{font-size:1.25rem}fieldset{border:0;padding:0;margin:0}legend h1{margin:0 0 .75rem}.opt{margin:.4rem 0}.opt input{width:1.3rem;height:1.3rem;vertical-align:middle}.opt label{margin-left:.5rem}textarea{width:100%;font:inherit}button{font:inherit;padding:.6rem 1.2rem;background:#1a56db;color:#fff;border:0;border-radius:.3rem}button:focus,input:focus,textarea:focus{outline:3px solid #f59e0b;outline-offset:2px}.err{color:#b91c1c;font-weight:600}</style>
</head><body><main>
${body}
</main></body></html>`;
}
