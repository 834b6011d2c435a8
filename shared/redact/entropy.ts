/** Telling random secrets from words, placeholders and identifiers that merely look long. */

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  const length = [...text].length;
  for (const count of counts.values()) {
    const p = count / length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Bits per character above which a 12+ character value is treated as random. */
export const ENTROPY_THRESHOLD = 3.5;

/** Values that are obviously not secrets: hashes and ids packs are full of, placeholders, references. */
export function isBenignValue(value: string): boolean {
  const v = value.replace(/^["']|["']$/g, '');
  if (/^sha(?:256|384|512|1)[:-]/i.test(v)) return true; // sha256:..., sha512-... (integrity)
  if (/^[0-9a-f]{7,64}$/i.test(v)) return true; // git SHAs and hex digests
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) return true; // UUIDs
  if (/^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/.test(v) || /^%[A-Za-z_][A-Za-z0-9_]*%$/.test(v)) return true; // env references
  if (/^\{\{.*\}\}$/.test(v) || /^<[^<>]+>$/.test(v)) return true; // templates, <your-password>
  if (v.startsWith('[REDACTED:')) return true; // already redacted
  if (/^(?:x+|\*+|\.+|changeme|change-me|password|secret|example|placeholder|redacted|none|null|undefined|true|false|todo|your[_-].*)$/i.test(v)) {
    return true;
  }
  if (/^(?:process\.env|os\.environ|env\.|import\.meta\.env|config\.|settings\.)/.test(v)) return true; // code references
  if (/^[a-z]+(?:[_-][a-z]+)*$/.test(v)) return true; // snake/kebab words
  if (/^[A-Za-z][a-z]+(?:[A-Z][a-z]+)*$/.test(v)) return true; // camelCase words
  return false;
}

export function looksRandom(value: string): boolean {
  return value.length >= 12 && !isBenignValue(value) && shannonEntropy(value) >= ENTROPY_THRESHOLD;
}
