import { describe, expect, it } from 'vitest';
import { uuidV7 } from '../../src/internal/ids.js';

describe('uuidV7', () => {
  it('is a well-formed version 7 UUID carrying the time, unique across many draws', () => {
    const format = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const id = uuidV7();
      expect(id).toMatch(format);
      seen.add(id);
    }
    expect(seen.size).toBe(20_000);
    // 2026-01-01T00:00:00Z is 0x19b76daa800 milliseconds after the epoch.
    expect(uuidV7(Date.UTC(2026, 0, 1)).slice(0, 13)).toBe('019b76da-a800');
  });

  it('sorts by creation time', () => {
    const earlier = uuidV7(1_700_000_000_000);
    const later = uuidV7(1_700_000_000_001);
    expect(earlier < later).toBe(true);
  });
});
