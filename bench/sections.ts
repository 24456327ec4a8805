import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Writes `body` between the `<!-- name:start -->` and `<!-- name:end -->` markers of a Markdown
 * file, so each benchmark owns one section of docs/benchmarks.md. Without the markers the section
 * is appended, under `heading` when one is given.
 */
export function replaceSection(file: string, name: string, body: string, heading?: string): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    text = '# Benchmarks\n';
  }
  const section = `${start}\n${body}\n${end}`;
  const startAt = text.indexOf(start);
  const endAt = text.indexOf(end);
  if (startAt !== -1 && endAt > startAt) text = text.slice(0, startAt) + section + text.slice(endAt + end.length);
  else text = `${text.trimEnd()}\n\n${heading === undefined ? '' : `${heading}\n\n`}${section}\n`;
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
