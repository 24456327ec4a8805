import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { describe, expect, test } from 'vitest';
import {
  JournalNotFoundError,
  JournalReader,
  decodeAnyValue,
  listSegments,
  nanosToMillis,
  type JournalLogRecord,
  type JournalRecord,
  type JournalSpan,
} from '../../src/journal/JournalReader.js';
import { BASE, produce, standardRuns, temporaryDirectory, writeJournal } from './fixtures.js';

async function readAll(reader: JournalReader): Promise<JournalRecord[]> {
  const records: JournalRecord[] = [];
  for await (const record of reader.records()) records.push(record);
  return records;
}

describe('JournalReader', () => {
  test('flattens spans and log records with resource, ids and times', async () => {
    await using dir = await temporaryDirectory();
    const telemetry = await produce(standardRuns());
    await writeJournal(dir.path, telemetry);
    const records = await readAll(new JournalReader(dir.path));
    const spans = records.filter((r): r is JournalSpan => r.signal === 'traces');
    const logs = records.filter((r): r is JournalLogRecord => r.signal === 'logs');
    expect(spans).toHaveLength(telemetry.spans.length);
    expect(logs).toHaveLength(telemetry.logs.length);
    // Hex ids exactly as the SDK made them.
    expect(new Set(spans.map((s) => s.spanId))).toEqual(new Set(telemetry.spans.map((s) => s.spanContext().spanId)));
    const root = spans.find((s) => s.name === 'invoke_workflow research')!;
    expect(root).toMatchObject({
      traceId: '000003e9ab12cd34ef56ab12cd34ef56',
      parentSpanId: undefined,
      startMs: BASE,
      endMs: BASE + 2500,
      statusCode: 2,
      statusMessage: 'fetch failed',
      attributes: { 'gen_ai.operation.name': 'invoke_workflow', 'gen_ai.workflow.name': 'research' },
      resource: { 'service.name': 'swarm-test' },
      scope: { name: 'swarmtrail-test' },
      location: { file: join(dir.path, 'traces-0000000001.jsonl') },
    });
    const chat = spans.find((s) => s.name === 'chat gpt-test' && s.traceId === root.traceId)!;
    expect(chat.kind).toBe(3);
    expect(chat.attributes['gen_ai.usage.input_tokens']).toBe(120);
    const decision = logs.find((l) => l.eventName === 'audit.decision')!;
    expect(decision).toMatchObject({
      timeMs: BASE + 800,
      body: 'use web search, approved by lead',
      traceId: root.traceId,
      attributes: { 'audit.event.type': 'decision', 'audit.outcome': 'success', 'gen_ai.agent.name': 'planner' },
    });
  });

  test('skips torn and corrupt lines, reports file and line, reads the rest', async () => {
    await using dir = await temporaryDirectory();
    const telemetry = await produce(standardRuns());
    await writeJournal(dir.path, telemetry, { batch: 4 });
    const logs = join(dir.path, 'logs-0000000001.jsonl');
    const lines = (await readFile(logs, 'utf8')).split('\n').filter((l) => l !== '');
    // Line 2 is garbage, line 3 is JSON but not a request, and the file ends with a torn line.
    const corrupted = [lines[0], '{"resourceLogs":[{"scopeLo', '{"hello":1}', ...lines.slice(1)].join('\n') + '\n' + lines[0].slice(0, 40);
    await writeFile(logs, corrupted);
    const reader = new JournalReader(dir.path);
    const records = await readAll(reader);
    expect(records.filter((r) => r.signal === 'logs')).toHaveLength(telemetry.logs.length);
    expect(reader.skippedCount).toBe(3);
    expect(reader.skipped.map((s) => `${s.file.slice(dir.path.length + 1)}:${s.line}`)).toEqual([
      'logs-0000000001.jsonl:2',
      'logs-0000000001.jsonl:3',
      `logs-0000000001.jsonl:${lines.length + 3}`,
    ]);
    expect(reader.skipped[0].reason).toMatch(/not valid JSON/);
    expect(reader.skipped[1].reason).toMatch(/not an OTLP export request/);
    expect(reader.skipped[2].reason).toMatch(/unterminated last line/);
  });

  test('reads gzip segments in sequence order, and a single exported file', async () => {
    await using dir = await temporaryDirectory();
    const telemetry = await produce(standardRuns());
    const written = await writeJournal(dir.path, telemetry, { batch: 2, linesPerSegment: 2, compressClosed: true });
    expect(written.filter((name) => name.endsWith('.gz')).length).toBeGreaterThan(2);
    const segments = await listSegments(dir.path);
    const logSequences = segments.filter((s) => s.signal === 'logs').map((s) => s.sequence);
    expect(logSequences).toEqual([...logSequences].sort((a, b) => a - b));
    expect(segments[0].signal).toBe('traces');
    expect(segments.find((s) => s.name === 'logs-0000000001.jsonl.gz')?.compressed).toBe(true);
    const records = await readAll(new JournalReader(dir.path));
    expect(records).toHaveLength(telemetry.spans.length + telemetry.logs.length);
    // A compressed segment alone, named freely: the signal comes from its content.
    const single = join(dir.path, 'copy.jsonl.gz');
    await writeFile(single, await readFile(join(dir.path, 'logs-0000000002.jsonl.gz')));
    const alone = await readAll(new JournalReader(single));
    expect(alone.length).toBeGreaterThan(0);
    expect(alone.every((r) => r.signal === 'logs')).toBe(true);
  });

  test('prefers the complete .gz when compression has just renamed it into place', async () => {
    await using dir = await temporaryDirectory();
    await writeJournal(dir.path, await produce(standardRuns()));
    const plain = join(dir.path, 'logs-0000000001.jsonl');
    await writeFile(`${plain}.gz`, gzipSync(await readFile(plain)));
    const segments = await listSegments(dir.path);
    expect(segments.map((s) => s.name)).toEqual(['traces-0000000001.jsonl', 'logs-0000000001.jsonl.gz']);
  });

  test('a missing journal is a JournalNotFoundError', async () => {
    await using dir = await temporaryDirectory();
    await expect(listSegments(join(dir.path, 'nope'))).rejects.toBeInstanceOf(JournalNotFoundError);
    await expect(readAll(new JournalReader(join(dir.path, 'nope')))).rejects.toThrow(/does not exist/);
  });

  test('decodes OTLP/JSON values: int64 strings, arrays, kvlists, nanosecond strings', async () => {
    expect(decodeAnyValue({ intValue: '9007199254740' })).toBe(9007199254740);
    expect(decodeAnyValue({ arrayValue: { values: [{ stringValue: 'a' }, { boolValue: true }] } })).toEqual(['a', true]);
    expect(decodeAnyValue({ kvlistValue: { values: [{ key: 'k', value: { doubleValue: 1.5 } }] } })).toEqual({ k: 1.5 });
    expect(decodeAnyValue({})).toBeNull();
    expect(nanosToMillis('1768471200123456789')).toBeCloseTo(1768471200123.4568, 3);
    expect(nanosToMillis(undefined)).toBe(0);
    // A line appended later is read on the next pass (streams see appends).
    await using dir = await temporaryDirectory();
    await writeJournal(dir.path, await produce(standardRuns()));
    const before = (await readAll(new JournalReader(dir.path))).length;
    const extra = await produce(standardRuns().slice(0, 1), 7);
    const { logLine } = await import('./fixtures.js');
    await appendFile(join(dir.path, 'logs-0000000001.jsonl'), `${logLine(extra.logs)}\n`);
    expect((await readAll(new JournalReader(dir.path))).length).toBe(before + extra.logs.length);
  });
});
