/**
 * The CLI reads what the journal writer writes: lines encoded with src/journal/otlpJson.ts (int64
 * as strings, default-valued fields left out) give the same answers as lines encoded with
 * @opentelemetry/otlp-transformer's JSON serializers.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { buildRequest, encodeLogRecord, encodeSpan } from '../../src/journal/otlpJson.js';
import { cli, produce, standardRuns, temporaryDirectory, writeJournal } from './fixtures.js';

test('journal-encoded and transformer-encoded journals read the same', async () => {
  await using dir = await temporaryDirectory();
  const telemetry = await produce(standardRuns());
  const transformer = join(dir.path, 'transformer');
  await writeJournal(transformer, telemetry, { batch: 4 });
  const journal = join(dir.path, 'journal');
  await mkdir(journal);
  const spanLines: string[] = [];
  for (let i = 0; i < telemetry.spans.length; i += 4) {
    const batch = telemetry.spans.slice(i, i + 4).map((span) => ({ resource: span.resource, scope: span.instrumentationScope, record: encodeSpan(span) }));
    spanLines.push(JSON.stringify(buildRequest('traces', batch)));
  }
  const logLines: string[] = [];
  for (let i = 0; i < telemetry.logs.length; i += 4) {
    const batch = telemetry.logs.slice(i, i + 4).map((log) => ({ resource: log.resource, scope: log.instrumentationScope, record: encodeLogRecord(log) }));
    logLines.push(JSON.stringify(buildRequest('logs', batch)));
  }
  // int64 as strings, as the OTLP JSON mapping wants
  expect(spanLines.join('')).toContain('"intValue":"120"');
  await writeFile(join(journal, 'traces-0000000001.jsonl'), spanLines.map((l) => `${l}\n`).join(''));
  await writeFile(join(journal, 'logs-0000000001.jsonl'), logLines.map((l) => `${l}\n`).join(''));
  for (const args of [
    ['runs', '--json'],
    ['stats', '--json'],
    ['events', '--json', '--limit', '0'],
    ['show', '000003e9', '--json'],
    ['export', '--format', 'csv'],
  ]) {
    const fromWriter = await cli([...args, '--dir', journal]);
    const fromTransformer = await cli([...args, '--dir', transformer]);
    expect(fromWriter.code).toBe(0);
    expect(fromWriter.stderr).toBe('');
    expect(fromWriter.stdout.replaceAll(journal, 'DIR')).toBe(fromTransformer.stdout.replaceAll(transformer, 'DIR'));
  }
});
