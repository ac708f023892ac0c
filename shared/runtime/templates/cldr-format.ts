/**
 * `macros.ds_format_locale` (Airflow 2.10): a date formatted with a Babel (CLDR) pattern such as
 * `EEEE dd MMMM yyyy`, in a locale (`en_US`, `fr_FR`; default `en_US`, as Airflow falls back to on a
 * worker without LC_TIME). Month, weekday, era and day-period names come from Node's ICU data
 * (Intl), so every locale ICU knows works; a pattern letter this formatter does not know is an error,
 * never output that silently differs from Babel's.
 */
import type { TimeParts } from './py/calendar.js';
import { PyError } from './py/object.js';

/** The naive date and time a pattern formats (the offset plays no part: names and numbers are local). */
export type DateParts = Pick<TimeParts, 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'micro'>;

/** `en_US` (Babel's spelling) as a BCP 47 tag; an unknown locale is Babel's UnknownLocaleError. */
function intlLocale(locale: string | null | undefined): string {
  const tag = (locale ?? 'en_US').replace(/_/g, '-');
  let supported: string[];
  try {
    supported = Intl.DateTimeFormat.supportedLocalesOf([tag]);
  } catch {
    supported = [];
  }
  if (supported.length === 0) throw new PyError('UnknownLocaleError', `unknown locale '${locale}'`);
  return supported[0]!;
}

/** The text Intl gives one part of the date (a name), formatted in UTC from the naive parts. */
function namePart(date: Date, locale: string, options: Intl.DateTimeFormatOptions, type: Intl.DateTimeFormatPartTypes): string {
  const parts = new Intl.DateTimeFormat(locale, { ...options, timeZone: 'UTC' }).formatToParts(date);
  return parts.find((p) => p.type === type)?.value ?? '';
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** One field: a run of the same pattern letter (`yyyy`, `MMMM`, `EEE` ...). */
function field(letter: string, width: number, d: DateParts, date: Date, locale: string): string {
  const nameStyle = (w: number): 'short' | 'long' | 'narrow' => (w === 4 ? 'long' : w >= 5 ? 'narrow' : 'short');
  switch (letter) {
    case 'G':
      return namePart(date, locale, { era: nameStyle(width) }, 'era');
    case 'y':
      return width === 2 ? pad(d.year % 100, 2) : pad(d.year, width);
    case 'M':
    case 'L':
      if (width <= 2) return pad(d.month, width);
      // M is the name in a date (format context), L stands alone (stand-alone context), as in CLDR.
      return namePart(date, locale, { month: nameStyle(width), ...(letter === 'M' ? { day: 'numeric' } : {}) }, 'month');
    case 'd':
      return pad(d.day, width);
    case 'D': {
      const dayOfYear = Math.round((Date.UTC(d.year, d.month - 1, d.day) - Date.UTC(d.year, 0, 1)) / 86_400_000) + 1;
      return pad(dayOfYear, width);
    }
    case 'E':
      // In a full date, as Babel formats it (ICU's stand-alone names differ: German `Do` vs `Do.`).
      return namePart(date, locale, { weekday: nameStyle(width), day: 'numeric', month: 'long' }, 'weekday');
    case 'a':
      return namePart(date, locale, { hour: 'numeric', hour12: true }, 'dayPeriod');
    case 'h':
      return pad(d.hour % 12 === 0 ? 12 : d.hour % 12, width);
    case 'H':
      return pad(d.hour, width);
    case 'K':
      return pad(d.hour % 12, width);
    case 'k':
      return pad(d.hour === 0 ? 24 : d.hour, width);
    case 'm':
      return pad(d.minute, width);
    case 's':
      return pad(d.second, width);
    case 'S':
      return pad(d.micro, 6).padEnd(width, '0').slice(0, width);
    default:
      throw new PyError('ValueError', `ds_format_locale: the pattern letter '${letter}' is not supported here (supported: G y M L d D E a h H K k m s S, and 'quoted text')`);
  }
}

/** Formats naive date parts with a CLDR pattern in a locale (Babel's format_datetime). */
export function formatCldr(d: DateParts, pattern: string, locale?: string | null): string {
  const tag = intlLocale(locale);
  const date = new Date(Date.UTC(d.year, d.month - 1, d.day, d.hour, d.minute, d.second, Math.floor(d.micro / 1000)));
  date.setUTCFullYear(d.year); // years below 100 are not 19xx
  let out = '';
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i]!;
    if (c === "'") {
      // 'text' is literal; '' is a quote, inside or outside quoted text.
      if (pattern[i + 1] === "'") {
        out += "'";
        i += 2;
        continue;
      }
      let j = i + 1;
      for (;;) {
        if (j >= pattern.length) break;
        if (pattern[j] === "'" && pattern[j + 1] === "'") {
          out += "'";
          j += 2;
        } else if (pattern[j] === "'") break;
        else out += pattern[j++];
      }
      i = j + 1;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      out += field(c, j - i, d, date, tag);
      i = j;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}
