import { SeverityNumber } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { audit, stripUrlCredentials, withAgent, withRun, withTool } from '../../src/index.js';
import { recordShape, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
afterEach(async () => {
  await h.stop();
});

describe('audit events (content capture off)', () => {
  beforeEach(() => {
    h = startHarness({ journal: false, redaction: false });
  });

  it('emit one correlated log record per helper, with the enclosing identity', async () => {
    const ids: string[] = [];
    let runId = '';
    await withRun('audit-run', async (run) => {
      runId = run.runId;
      await withAgent({ name: 'clerk', id: 'agent-7' }, async () => {
        ids.push(audit.decision({ summary: 'ship it', reasoning: 'tests pass', verdict: 'hold', action: 'ship', context: { approvedBy: 'lead' } }));
        ids.push(audit.artifact({ type: 'report', uri: 'file:///tmp/r.md', sha256: 'ab'.repeat(32), size: 12 }));
        ids.push(audit.fileChange({ operation: 'update', path: 'src/a.ts', sha256Before: '00'.repeat(32), sha256After: '11'.repeat(32), sizeBefore: 1, sizeAfter: 2, diff: '-a\n+b' }));
        ids.push(audit.command({ command: ['git', 'commit', '-m', "it's done"], exitCode: 1, output: 'nothing to commit', cwd: '/repo' }));
        ids.push(audit.apiCall({ method: 'get', url: 'https://user:pw@api.example.com/v1/items?token=abc&page=2', status: 503 }));
        ids.push(audit.secretAccess({ alias: 'github-token', outcome: 'not_found', store: 'env' }));
        ids.push(audit.thought({ content: 'private reasoning', step: 2 }));
        await withTool({ name: 'pay', callId: 'call_9' }, async () => {
          ids.push(audit.financial({ description: 'refund', amount: 12.5, currency: 'EUR', status: 'completed' }));
        });
        ids.push(audit.component({ name: 'pdf-skill', kind: 'skill', action: 'generated', version: '0.1.0', request: 'make PDFs' }));
        ids.push(audit.error(new RangeError('out of range'), { context: { index: 9 }, recovery: 'clamped' }));
        ids.push(audit.event('custom.thing', { outcome: 'partial', message: 'a custom event', attributes: { 'app.count': 3 } }));
      });
    });
    const { records } = await h.collect();
    const explicit = records.filter((record) => !String(record.eventName).endsWith('.end'));
    expect(explicit.map((record) => record.attributes['audit.event.id'])).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    for (const record of explicit) {
      expect(record.spanContext?.traceId).toBe(runId);
      expect(record.attributes['audit.run.id']).toBe(runId);
    }
    const error = explicit.find((record) => record.eventName === 'audit.error')!;
    expect(String(error.attributes['exception.stacktrace'])).toContain('RangeError: out of range');
    expect(
      explicit.map((record) => {
        const shape = recordShape(record);
        delete shape.attributes['exception.stacktrace'];
        return shape;
      }),
    ).toMatchInlineSnapshot(`
      [
        {
          "attributes": {
            "audit.decision.action": "ship",
            "audit.decision.context": "{"approvedBy":"lead"}",
            "audit.decision.reasoning": "tests pass",
            "audit.decision.summary": "ship it",
            "audit.decision.verdict": "hold",
            "audit.event.id": "string",
            "audit.event.type": "decision",
            "audit.outcome": "success",
            "audit.run.id": "string",
            "gen_ai.agent.id": "agent-7",
            "gen_ai.agent.name": "clerk",
            "gen_ai.workflow.name": "audit-run",
          },
          "body": "decision: ship it (verdict hold, action ship)",
          "eventName": "audit.decision",
          "hasSpanContext": true,
          "severityNumber": 9,
          "severityText": "INFO",
        },
        {
          "attributes": {
            "audit.artifact.sha256": "abababababababababababababababababababababababababababababababab",
            "audit.artifact.size": 12,
            "audit.artifact.type": "report",
            "audit.artifact.uri": "file:///tmp/r.md",
            "audit.event.id": "string",
            "audit.event.type": "artifact",
            "audit.outcome": "success",
            "audit.run.id": "string",
            "gen_ai.agent.id": "agent-7",
            "gen_ai.agent.name": "clerk",
            "gen_ai.workflow.name": "audit-run",
          },
          "body": "artifact report: file:///tmp/r.md",
          "eventName": "audit.artifact",
          "hasSpanContext": true,
          "severityNumber": 9,
          "severityText": "INFO",
        },
        {
          "attributes": {
            "audit.event.id": "string",
            "audit.event.type": "file.change",
            "audit.file.operation": "update",
            "audit.file.path": "src/a.ts",
            "audit.file.sha256.after": "1111111111111111111111111111111111111111111111111111111111111111",
            "audit.file.sha256.before": "0000000000000000000000000000000000000000000000000000000000000000",
            "audit.file.size.after": 2,
            "audit.file.size.before": 1,
            "audit.outcome": "success",
            "audit.run.id": "string",
            "gen_ai.agent.id": "agent-7",
            "gen_ai.agent.name": "clerk",
            "gen_ai.workflow.name": "audit-run",
          },
          "body": "file update: src/a.ts",
          "eventName": "audit.file.change",
          "hasSpanContext": true,
          "severityNumber": 9,
          "severityText": "INFO",
        },
        {
          "attributes": {
            "audit.command.cwd": "/repo",
            "audit.command.exit_code": 1,
            "audit.command.line": "git commit -m 'it'\\''s done'",
            "audit.command.output": "nothing to commit",
            "audit.event.id": "string",
            "audit.event.type": "command",
            "audit.outcome": "failure",
            "audit.run.id": "string",
            "gen_ai.agent.id": "agent-7",
            "gen_ai.agent.name": "clerk",
            "gen_ai.workflow.name": "audit-run",
          },
          "body": "command exited 1: git commit -m 'it'\\''s done'",
          "eventName": "audit.command",
          "hasSpanContext": true,
          "severityNumber": 17,
          "severityText": "ERROR",
        },
        {
          "attributes": {
            "audit.event.id": "string",
            "audit.event.type": "api.call",
            "audit.outcome": "failure",
            "audit.run.id": "string",
            "gen_ai.agent.id": "agent-7",
            "gen_ai.agent.name": "clerk",
            "gen_ai.workflow.name": "audit-run",
            "http.request.method": "GET",
            "http.response.status_code": 503,
            "url.full": "https://api.example.com/v1/items?token=REDACTED&page=2",
          },
          "body": "GET https://api.example.com/v1/items?token=REDACTED&page=2 -> 503",
          "eventName": "audit.api.call",
          "hasSpanContext": true,
          "severityNumber": 17,
          "severityText": "ERROR",
        },
        {
          "attributes": {
            "audit.event.id": "string",
            "audit.event.type": "secret.access",
            "audit.outcome": "not_found",
            "audit.run.id": "string",
            "audit.secret.alias": "github-token",
            "audit.secret.store": "env",
            "gen_ai.agent.id": "agent-7",
            "gen_ai.agent.name": "clerk",
            "gen_ai.workflow.name": "audit-run",
          },
          "body": "secret access not_found: github-token",
          "eventName": "audit.secret.access",
          "hasSpanContext": true,
          "severityNumber": 13,
          "severityText": "WARN",
        },
        {
          "attributes": {
            "audit.event.id": "string",
            "audit.event.type": "thought",
            "audit.outcome": "success",
            "audit.run.id": "string",
            "audit.thought.step": 2,
            "gen_ai.agent.id": "agent-7",
            "gen_ai.agent.name": "clerk",
            "gen_ai.workflow.name": "audit-run",
          },
          "body": "thought #2",
          "eventName": "audit.thought",
          "hasSpanContext": true,
          "severityNumber": 5,
          "severityText": "DEBUG",
        },
        {
          "attributes": {
            "audit.event.id": "string",
            "audit.event.type": "financial",
            "audit.financial.amount": 12.5,
            "audit.financial.currency": "EUR",
            "audit.financial.description": "refund",
            "audit.financial.status": "completed",
            "audit.outcome": "success",
            "audit.run.id": "string",
            "gen_ai.agent.id": "agent-7",
            "gen_ai.agent.name": "clerk",
            "gen_ai.tool.call.id": "call_9",
            "gen_ai.tool.name": "pay",
            "gen_ai.workflow.name": "audit-run",
          },
          "body": "refund: 12.5 EUR (completed)",
          "eventName": "audit.financial",
          "hasSpanContext": true,
          "severityNumber": 9,
          "severityText": "INFO",
        },
        {
          "attributes": {
            "audit.component.action": "generated",
            "audit.component.kind": "skill",
            "audit.component.name": "pdf-skill",
            "audit.component.request": "make PDFs",
            "audit.component.version": "0.1.0",
            "audit.event.id": "string",
            "audit.event.type": "component",
            "audit.outcome": "success",
            "audit.run.id": "string",
            "gen_ai.agent.id": "agent-7",
            "gen_ai.agent.name": "clerk",
            "gen_ai.workflow.name": "audit-run",
          },
          "body": "skill pdf-skill generated",
          "eventName": "audit.component",
          "hasSpanContext": true,
          "severityNumber": 9,
          "severityText": "INFO",
        },
        {
          "attributes": {
            "audit.error.context": "{"index":9}",
            "audit.error.recovery": "clamped",
            "audit.event.id": "string",
            "audit.event.type": "error",
            "audit.outcome": "failure",
            "audit.run.id": "string",
            "exception.message": "out of range",
            "exception.type": "RangeError",
            "gen_ai.agent.id": "agent-7",
            "gen_ai.agent.name": "clerk",
            "gen_ai.workflow.name": "audit-run",
          },
          "body": "RangeError: out of range",
          "eventName": "audit.error",
          "hasSpanContext": true,
          "severityNumber": 17,
          "severityText": "ERROR",
        },
        {
          "attributes": {
            "app.count": 3,
            "audit.event.id": "string",
            "audit.event.type": "custom.thing",
            "audit.outcome": "partial",
            "audit.run.id": "string",
            "gen_ai.agent.id": "agent-7",
            "gen_ai.agent.name": "clerk",
            "gen_ai.workflow.name": "audit-run",
          },
          "body": "a custom event",
          "eventName": "audit.custom.thing",
          "hasSpanContext": true,
          "severityNumber": 13,
          "severityText": "WARN",
        },
      ]
    `);
  });

  it('works outside any run, without identity', async () => {
    audit.event('boot', { message: 'system started' });
    const { records } = await h.collect();
    expect(records).toHaveLength(1);
    expect(records[0].attributes['audit.run.id']).toBeUndefined();
    expect(records[0].severityNumber).toBe(SeverityNumber.INFO);
  });

  it('never records a secret value: secret access carries the alias only', async () => {
    audit.secretAccess({ alias: 'stripe-live', outcome: 'granted' });
    const { records } = await h.collect();
    expect(records[0].body).toBe('secret access granted: stripe-live');
    expect(Object.keys(records[0].attributes).sort()).toEqual(['audit.event.id', 'audit.event.type', 'audit.outcome', 'audit.secret.alias']);
  });
});

describe('audit events (content capture on)', () => {
  beforeEach(() => {
    h = startHarness({ journal: false, redaction: false, captureContent: true });
  });

  it('record diffs and thoughts', async () => {
    audit.fileChange({ operation: 'create', path: 'a', diff: () => '+line' });
    audit.thought({ content: () => 'because' });
    const { records } = await h.collect();
    expect(records[0].attributes['audit.file.diff']).toBe('+line');
    expect(records[1].attributes['audit.thought.content']).toBe('because');
  });
});

describe('stripUrlCredentials', () => {
  it('removes user info and secret query parameters and keeps the rest', () => {
    expect(stripUrlCredentials('https://bob:hunter2@example.com/p?api_key=k&x=1&Signature=s')).toBe(
      'https://example.com/p?api_key=REDACTED&x=1&Signature=REDACTED',
    );
    expect(stripUrlCredentials('not a url //user:pass@host/path')).toBe('not a url //host/path');
  });
});
