/**
 * Country names or codes, as a Spartoo address gives them ("France", "FR", "Belgique"), to the ISO
 * 3166-1 alpha-2 code Shopify's `MailingAddressInput.countryCode` takes. Names are matched in English
 * and the main European languages, without case or accents, from the platform's own region names
 * (Intl.DisplayNames).
 */
/** ISO 3166-1 alpha-2 codes plus Shopify's extra ones (AC, TA, XK, ZZ for unknown). */
export const COUNTRY_CODES =
  `AC AD AE AF AG AI AL AM AN AO AR AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO
BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG
EH ER ES ET FI FJ FK FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GW GY HK HM HN HR HT HU ID IE IL
IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD
ME MF MG MK ML MM MN MO MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH
PK PL PM PN PS PT PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TA TC
TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VN VU WF WS XK YE YT ZA ZM ZW ZZ`
    .split(/\s+/)
    .filter(Boolean);

const assigned = new Set(COUNTRY_CODES);

const normalise = (text: string) =>
  text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

let byName: Map<string, string> | undefined;

function names(): Map<string, string> {
  if (byName) return byName;
  byName = new Map();
  const displays = ['en', 'fr', 'de', 'es', 'it', 'nl', 'pt'].map(
    (locale) => new Intl.DisplayNames([locale], { type: 'region' }),
  );
  for (const display of displays) {
    for (const code of COUNTRY_CODES) {
      let name: string | undefined;
      try {
        name = display.of(code);
      } catch {
        name = undefined;
      }
      // The first code wins (languages in order): a name two codes share keeps the first.
      if (name && name !== code && !byName.has(normalise(name))) byName.set(normalise(name), code);
    }
  }
  for (const [alias, code] of Object.entries(ALIASES)) byName.set(normalise(alias), code);
  return byName;
}

const ALIASES: Record<string, string> = {
  'Royaume Uni': 'GB',
  'Grande Bretagne': 'GB',
  England: 'GB',
  Angleterre: 'GB',
  UK: 'GB',
  USA: 'US',
  'Etats Unis': 'US',
  Hollande: 'NL',
  Holland: 'NL',
  'Pays Bas': 'NL',
};

/** The ISO alpha-2 code of a country name or code; undefined when it names none. */
export function countryCode(country: string): string | undefined {
  const trimmed = country.trim();
  if (/^[A-Za-z]{2}$/.test(trimmed)) {
    const code = trimmed.toUpperCase();
    return code === 'UK' ? 'GB' : assigned.has(code) && code !== 'ZZ' ? code : undefined;
  }
  return names().get(normalise(trimmed));
}
