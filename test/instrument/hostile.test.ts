import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { audit, withTool } from '../../src/index.js';
import { safeStringify, toAttributeValue } from '../../src/internal/serialize.js';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
beforeEach(() => {
  h = startHarness({ journal: false, redaction: false, captureContent: true });
});
afterEach(async () => {
  await h.stop();
});

function hostile(): Record<string, unknown> {
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic['self'] = cyclic;
  let deep: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < 50; i++) deep = { child: deep };
  const throwing = {
    get boom(): never {
      throw new Error('getter exploded');
    },
  };
  return {
    cyclic,
    big: 12345678901234567890n,
    fn: function namedFunction() {},
    sym: Symbol('s'),
    huge: 'x'.repeat(100_000),
    deep,
    throwing,
    nan: Number.NaN,
    date: new Date(0),
    map: new Map([['k', 1]]),
    buffer: Buffer.from('abc'),
    wide: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])),
  };
}

describe('hostile values', () => {
  it('are serialised safely into event attributes with truncation marked', async () => {
    expect(() => audit.event('hostile', { attributes: hostile() })).not.toThrow();
    const { records } = await h.collect();
    const a = records[0].attributes;
    expect(JSON.parse(String(a['cyclic']))).toEqual({ name: 'loop', self: '[Circular]' });
    expect(a['big']).toBe('"12345678901234567890n"');
    expect(a['fn']).toBe('"[Function namedFunction]"');
    expect(a['sym']).toBe('"Symbol(s)"');
    expect(String(a['huge'])).toHaveLength(8192 + '…[truncated 91808 chars]'.length);
    expect(String(a['huge']).endsWith('…[truncated 91808 chars]')).toBe(true);
    expect(String(a['deep'])).toContain('[Truncated: depth]');
    expect(JSON.parse(String(a['throwing']))).toEqual({ boom: '[Unreadable]' });
    expect(a['nan']).toBeNaN();
    expect(a['date']).toBe('"1970-01-01T00:00:00.000Z"');
    expect(a['map']).toBe('{"k":1}');
    expect(a['buffer']).toBe('"[Buffer 3 bytes]"');
    expect(JSON.parse(String(a['wide']))['[truncated]']).toBe('744 more keys');
  });

  it('are serialised safely as tool arguments and results', async () => {
    const args = hostile();
    const result = withTool('t', () => args, { arguments: args });
    expect(result).toBe(args);
    const { spans } = await h.collect();
    expect(String(spans[0].attributes['gen_ai.tool.call.arguments'])).toContain('[Circular]');
    expect(String(spans[0].attributes['gen_ai.tool.call.result'])).toContain('[Truncated: depth]');
  });

  it('keep homogeneous primitive arrays as arrays', () => {
    expect(toAttributeValue(['a', 'b'])).toEqual(['a', 'b']);
    expect(toAttributeValue([1, 'b'])).toBe('[1,"b"]');
    expect(toAttributeValue(undefined)).toBeUndefined();
    expect(safeStringify(undefined)).toBe('null');
  });
});
