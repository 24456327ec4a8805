import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { afterEach, expect, it } from 'vitest';
import { audit, withSpan, withTool } from '../../src/index.js';
import { collectingDiagLogger } from '../helpers/diag.js';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const boom = (): never => {
  throw new Error('processor boom');
};

it("a user's throwing processors reach neither the user's code nor the exporters after them", async () => {
  const { logger: diagLogger, messages } = collectingDiagLogger(true);
  const spanProcessor: SpanProcessor = { onStart: boom, onEnding: boom, onEnd: boom, forceFlush: () => Promise.reject(new Error('flush boom')), shutdown: () => Promise.resolve() };
  const logRecordProcessor: LogRecordProcessor = { onEmit: boom, forceFlush: () => Promise.resolve(), shutdown: () => Promise.reject(new Error('shutdown boom')) };
  h = startHarness({ spanProcessors: [spanProcessor], logRecordProcessors: [logRecordProcessor], diagLogger, journal: false });
  expect(withSpan('sync', () => 42)).toBe(42);
  await expect(withTool('search', () => Promise.resolve(43))).resolves.toBe(43);
  expect(audit.decision({ summary: 'kept' })).toMatch(/^[0-9a-f-]{36}$/);
  const { spans, records } = await h.collect();
  expect(spans.map((span) => span.name).sort()).toEqual(['execute_tool search', 'sync']);
  expect(records.map((record) => record.attributes['audit.event.type']).sort()).toEqual(['decision', 'tool.end']);
  const text = messages.join('\n');
  expect(text).toContain('span processor: Object.onEnd threw');
  expect(text).toContain('log record processor: Object.onEmit threw');
  expect(text).toContain('Object.forceFlush failed');
});
