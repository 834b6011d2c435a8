/**
 * Values that sit where a secret could (`password=...`, `token: ...`) but are obviously not one.
 * Context packs are full of code, config templates and ids, so a false positive here is a real
 * bug: it rewrites text a model needs. Each check names one kind of harmless value.
 *
 * Hex strings and UUIDs are deliberately *not* listed. Bare, or under a name like `commit` or
 * `request_id`, they are never candidates (only secret-named keys are looked at), but under
 * `client_secret` or `api_key` a 40-hex or UUID value is a real credential (GitHub OAuth secrets,
 * Heroku and legacy npm tokens), so it is redacted there.
 */

/** References and templates: the value is filled in elsewhere (`${DB_PASSWORD}`, `{{ secrets.X }}`). */
const TEMPLATE_MARKERS = /\$\{|\{\{|\{%|\$\(|<%|%[A-Za-z_][A-Za-z0-9_]*%/;
const WHOLE_REFERENCE = /^(?:\$[A-Za-z_][A-Za-z0-9_]*|<[^<>]*>|\{[A-Za-z_][\w.-]*\}|\[REDACTED:.*|@[A-Za-z_][\w.-]*@?)$/;

/**
 * Documentation and template stand-ins (`changeme`, `your-api-key-here`), compared without case or
 * separators. Real secrets do not spell these words.
 */
const PLACEHOLDER_WORDS = new Set([
  'apikey', 'changeit', 'changeme', 'changethis', 'default', 'dummy', 'empty', 'example', 'fake', 'false',
  'fixme', 'hidden', 'key', 'masked', 'mypassword', 'mysecret', 'nil', 'no', 'none', 'notasecret', 'notset',
  'null', 'off', 'on', 'optional', 'pass', 'passwd', 'password', 'placeholder', 'redacted', 'replaceme',
  'required', 'sample', 'secret', 'secretvalue', 'string', 'tbd', 'test', 'testing', 'todo', 'token', 'true',
  'undefined', 'unset', 'xxx', 'yes',
]);
const PLACEHOLDER_PARTS = /changeme|changethis|replaceme|replacewith|placeholder|example|redacted|notasecret|dummy|^your|^insert|^enter/;

export function isPlaceholder(value: string): boolean {
  if (TEMPLATE_MARKERS.test(value) || WHOLE_REFERENCE.test(value)) return true;
  const squashed = value.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (squashed.length === 0) return true; // only punctuation: "****", "...", "--"
  return PLACEHOLDER_WORDS.has(squashed) || PLACEHOLDER_PARTS.test(squashed);
}

/**
 * One piece of an identifier: letters with a short numeric suffix (`password2`, `oauth2`, `O200`),
 * or a short number (date and version parts).
 */
const WORD_PIECE = /^[A-Za-z]+[0-9]{0,3}$/;
const NUMBER_PIECE = /^[0-9]{1,4}$/;
const VOWEL = /[aeiouyAEIOUY]/;
const ACRONYM = /^[A-Z]{1,5}[0-9]{0,2}$/;

function pieces(value: string): string[] {
  return value
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1 $2')
    .split(/[\s._$:>?!/-]+/)
    .filter((piece) => piece.length > 0);
}

/**
 * Words and code: `userInput`, `process.env.OPENAI_API_KEY`, `X-Amz-Credential`, `correct-horse`.
 * Such values are names of things, not secrets. What separates them from random tokens is that
 * they are pronounceable: at least 70% of their letters sit in pieces that contain a vowel or are
 * short acronyms (`API`, `X`), where a random mixed-case string split at its case changes falls
 * into vowel-less fragments (`kXqTzv` -> `k`, `Xq`, `Tzv`).
 */
export function isWordsOrCode(value: string): boolean {
  // Member paths in several languages, with TypeScript's non-null `!` (`activation.token!`).
  if (!/^!*[A-Za-z_$][A-Za-z0-9_$]*(?:(?:\.|\?\.|!\.|::|->|-)[A-Za-z0-9_$]+)*!?$/.test(value)) return false;
  let letters = 0;
  let pronounceable = 0;
  for (const piece of pieces(value)) {
    if (NUMBER_PIECE.test(piece)) continue;
    if (!WORD_PIECE.test(piece)) return false;
    const length = piece.replace(/[0-9]/g, '').length;
    letters += length;
    if (VOWEL.test(piece) || ACRONYM.test(piece)) pronounceable += length;
  }
  return letters > 0 && pronounceable / letters >= 0.7;
}

/** A digest that says so (`sha256:…`, `sha512-…` as in package-lock `integrity`). */
const SELF_DECLARED_DIGEST = /^(?:sha(?:1|224|256|384|512)|sha3-(?:224|256|384|512)|md5|blake2[bs]?|blake3|crc32c?)[:=-]/i;
const NUMBER = /^[+-]?(?:\d[\d_,]*)?(?:\.\d+)?(?:e[+-]?\d+)?$/i;
const VERSION = /^v?\d+(?:\.\d+){1,3}(?:[-+][0-9A-Za-z.-]+)?$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
/** URLs are handled by the URL-password and query-parameter checks, which look inside them. */
const URL_OR_URN = /^(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:\/\/|arn:|urn:)/;
const POSIX_PATH = /^(?:~|\.{1,2})?(?:\/[\w.@-]+){2,}\/?$/;
const WINDOWS_PATH = /^[A-Za-z]:\\/;
const EMAIL = /^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$/;

/** Whether `value` is clearly harmless wherever it appears. */
export function isNotASecret(value: string): boolean {
  return (
    // Whitespace or anything beyond printable ASCII: a sentence, or text in another script. Machine
    // credentials are printable ASCII without spaces.
    /[^\x21-\x7e]/.test(value) ||
    isPlaceholder(value) ||
    SELF_DECLARED_DIGEST.test(value) ||
    NUMBER.test(value) ||
    VERSION.test(value) ||
    DATE_TIME.test(value) ||
    URL_OR_URN.test(value) ||
    POSIX_PATH.test(value) ||
    WINDOWS_PATH.test(value) ||
    EMAIL.test(value) ||
    isWordsOrCode(value)
  );
}
