import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every code block of the consumer's README is a file of libs/events-consumer/examples (marked by the comment
 * line before it), word for word; test/events-consumer/package.e2e-spec builds and runs those files against the
 * installed package. So no snippet in the README is untested.
 */
const PACKAGE_DIR = join(__dirname, '../../libs/events-consumer');
const readme = readFileSync(join(PACKAGE_DIR, 'README.md'), 'utf8');

interface Block {
  marker: string | null;
  code: string;
}

function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('```')) continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`unclosed code block at line ${i + 1}`);
    const marker = /^<!-- snippet: (\S+) -->$/.exec(lines[i - 1] ?? '');
    blocks.push({ marker: marker ? marker[1] : null, code: lines.slice(i + 1, end).join('\n') + '\n' });
    i = end;
  }
  return blocks;
}

describe('the consumer README', () => {
  const blocks = codeBlocks(readme);

  it('has code blocks, each marked with the example file it is', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    expect(blocks.filter((b) => b.marker === null).map((b) => b.code.slice(0, 80))).toEqual([]);
  });

  it.each(codeBlocks(readme).filter((b) => b.marker).map((b) => [b.marker!, b.code]))('shows %s exactly as it is', (file, code) => {
    expect(code).toBe(readFileSync(join(PACKAGE_DIR, file), 'utf8'));
  });

  it('shows every example file', () => {
    const shown = new Set(blocks.map((b) => b.marker));
    const files = readdirSync(join(PACKAGE_DIR, 'examples')).map((f) => `examples/${f}`);
    expect(files.filter((f) => !shown.has(f))).toEqual([]);
  });
});
