/* eslint-disable @typescript-eslint/no-explicit-any -- these tests read loosely typed OTLP/JSON */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readFileSync, readdirSync } from 'node:fs';

export function temporaryDirectory(prefix = 'swarmtrail-journal-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Every line of every segment of `signal`, in order, parsed; throws on an unparsable line. */
export function readJournalLines(directory: string, signal: string): any[] {
  const names = readdirSync(directory)
    .filter((name) => name.startsWith(`${signal}-`) && (name.endsWith('.jsonl') || name.endsWith('.jsonl.gz')))
    .sort();
  const lines: any[] = [];
  for (const name of names) {
    const raw = readFileSync(join(directory, name));
    const text = (name.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    if (text.length > 0 && !text.endsWith('\n')) throw new Error(`${name} does not end with a newline`);
    for (const line of text.split('\n')) if (line !== '') lines.push(JSON.parse(line));
  }
  return lines;
}

/** Log records of all lines, flattened. */
export function logRecordsOf(requests: any[]): any[] {
  return requests.flatMap((request) =>
    request.resourceLogs.flatMap((resource: any) => resource.scopeLogs.flatMap((scope: any) => scope.logRecords)),
  );
}

export function spansOf(requests: any[]): any[] {
  return requests.flatMap((request) =>
    request.resourceSpans.flatMap((resource: any) => resource.scopeSpans.flatMap((scope: any) => scope.spans)),
  );
}

export function attribute(record: any, key: string): any {
  const entry = record.attributes.find((candidate: any) => candidate.key === key);
  return entry?.value;
}
