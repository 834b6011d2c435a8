/**
 * Reads a `notes` context source: Markdown whose sections hold the payload's items.
 *
 *     # Synopsis            one paragraph (joined into one line)
 *     ## Facts              - a bullet per fact
 *     ## Constraints        - [hard] or [soft] then the text; untagged means hard (a rule unless said otherwise)
 *     ## Open loops         - a bullet per open question
 *     ## Anchors            - path[:start[-end]] label
 *
 * A bullet may carry `[local-only]` (never sent to a cloud provider). Indented lines continue the
 * bullet above. Other headings are ignored. Line numbers refer to the file as stored.
 */

export type NotesSection = 'synopsis' | 'facts' | 'constraints' | 'open_loops' | 'anchors';

export interface NotesItem {
  readonly section: Exclude<NotesSection, 'synopsis' | 'anchors'>;
  readonly text: string;
  readonly line: number;
  readonly strength: 'hard' | 'soft';
  readonly localOnly: boolean;
}

export interface NotesAnchor {
  readonly path: string;
  readonly startLine?: number;
  readonly endLine?: number;
  readonly label: string;
  readonly line: number;
}

export interface ParsedNotes {
  readonly synopsis: string;
  readonly items: NotesItem[];
  readonly anchors: NotesAnchor[];
}

const SECTION_NAMES: Record<string, NotesSection> = {
  synopsis: 'synopsis',
  summary: 'synopsis',
  facts: 'facts',
  constraints: 'constraints',
  'open loops': 'open_loops',
  'open questions': 'open_loops',
  anchors: 'anchors',
};

export function parseNotes(text: string): ParsedNotes {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  let section: NotesSection | undefined;
  const synopsis: string[] = [];
  const bullets: { section: NotesSection; text: string; line: number }[] = [];

  lines.forEach((raw, index) => {
    // CR stays in the stored bytes (and the hash); it is only markup here.
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/s.exec(line);
    if (heading) {
      section = SECTION_NAMES[(heading[1] ?? '').trim().toLowerCase()];
      return;
    }
    if (!section) return;
    if (section === 'synopsis') {
      if (line.trim()) synopsis.push(line.trim());
      return;
    }
    // `s`: a bullet holding U+2028/U+2029 (which `.` does not match) is still a bullet; the
    // sanitizer marks those characters later instead of the bullet vanishing here.
    const bullet = /^\s{0,3}[-*+]\s+(.*)$/s.exec(line);
    if (bullet) {
      bullets.push({ section, text: (bullet[1] ?? '').trim(), line: index + 1 });
      return;
    }
    const last = bullets[bullets.length - 1];
    if (last && last.section === section && /^\s+\S/.test(line)) last.text = `${last.text} ${line.trim()}`;
  });

  const items: NotesItem[] = [];
  const anchors: NotesAnchor[] = [];
  for (const bullet of bullets) {
    const { tags, rest } = takeTags(bullet.text);
    if (!rest) continue;
    if (bullet.section === 'anchors') {
      const anchor = parseAnchor(rest, bullet.line);
      if (anchor) anchors.push(anchor);
      continue;
    }
    if (bullet.section === 'synopsis') continue;
    items.push({
      section: bullet.section,
      text: rest,
      line: bullet.line,
      strength: tags.has('soft') ? 'soft' : 'hard',
      localOnly: tags.has('local-only'),
    });
  }
  return { synopsis: synopsis.join(' '), items, anchors };
}

function takeTags(text: string): { tags: Set<string>; rest: string } {
  const tags = new Set<string>();
  let rest = text;
  for (;;) {
    const tag = /^\[(hard|soft|local-only)\]\s*/i.exec(rest);
    if (!tag) break;
    tags.add((tag[1] ?? '').toLowerCase());
    rest = rest.slice(tag[0].length);
  }
  return { tags, rest: rest.trim() };
}

function parseAnchor(text: string, line: number): NotesAnchor | undefined {
  const match = /^`?([^\s`]+?)(?::(\d+)(?:-(\d+))?)?`?(?:\s+[-–—:]?\s*(.*))?$/s.exec(text);
  if (!match?.[1]) return undefined;
  const startLine = match[2] ? Number(match[2]) : undefined;
  const endLine = match[3] ? Number(match[3]) : undefined;
  return {
    path: match[1],
    ...(startLine !== undefined ? { startLine } : {}),
    ...(endLine !== undefined ? { endLine } : {}),
    label: (match[4] ?? '').trim() || match[1],
    line,
  };
}
