/**
 * French and English. The English text is the key; fr.ts translates it (a test checks that every
 * text the console shows has its French). The language is the browser's, until the user picks one.
 */
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { FR } from './fr.ts';

export type Lang = 'en' | 'fr';

const STORAGE_KEY = 'hub.console.lang';

function initialLang(): Lang {
  const chosen = localStorage.getItem(STORAGE_KEY);
  if (chosen === 'en' || chosen === 'fr') return chosen;
  return (navigator.languages ?? [navigator.language]).some((language) => language.toLowerCase().startsWith('fr')) ? 'fr' : 'en';
}

export type Translate = (text: string, values?: Record<string, string | number>) => string;

export function translate(lang: Lang, text: string, values?: Record<string, string | number>): string {
  const template = lang === 'fr' ? (FR[text] ?? text) : text;
  return values ? template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole)) : template;
}

const I18n = createContext<{ lang: Lang; setLang: (lang: Lang) => void; t: Translate }>({ lang: 'en', setLang: () => {}, t: (text) => text });

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const value = useMemo(
    () => ({
      lang,
      setLang: (next: Lang) => {
        localStorage.setItem(STORAGE_KEY, next);
        setLangState(next);
      },
      t: ((text, values) => translate(lang, text, values)) as Translate,
    }),
    [lang],
  );
  return <I18n.Provider value={value}>{children}</I18n.Provider>;
}

export const useI18n = () => useContext(I18n);

export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <label className="lang">
      <span className="visually-hidden">{t('Language')}</span>
      <select value={lang} onChange={(event) => setLang(event.target.value as Lang)} data-testid="language">
        <option value="en">English</option>
        <option value="fr">Français</option>
      </select>
    </label>
  );
}
