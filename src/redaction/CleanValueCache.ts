/**
 * Remembers short strings already found clean, so that a value seen again (tool, agent and model
 * names, operation names, event types, outcomes) costs one look-up instead of a scan.
 *
 * Two direct-mapped tables indexed by a cheap hash (the length and a few characters; a slot holds
 * one string and a colliding string replaces it, so memory is bounded without ever clearing):
 * a string enters the cache when it is found clean a second time while still in the small
 * probation table. Unique values (ids, timestamps, free text) only pass through probation, so
 * they neither evict the values that repeat nor stay referenced long enough to burden the garbage
 * collector. A hit compares the whole string (`===`), never only its hash.
 *
 * It holds only what the Redactor found clean as text under its policy; whether a value must be
 * redacted because of its key is decided before the cache is consulted, never remembered here.
 */
export class CleanValueCache {
  private readonly _slots: Array<string | undefined>;
  private readonly _probation: Array<string | undefined>;
  private readonly _mask: number;
  private readonly _probationMask: number;

  /** @param size the number of slots, rounded up to a power of two (at least 1) */
  constructor(size: number) {
    const slots = 2 ** Math.ceil(Math.log2(Math.max(1, size)));
    const probation = Math.min(slots, PROBATION_SLOTS);
    this._slots = new Array<string | undefined>(slots).fill(undefined);
    this._probation = new Array<string | undefined>(probation).fill(undefined);
    this._mask = slots - 1;
    this._probationMask = probation - 1;
  }

  /** The number of slots (the most strings it can hold). */
  get size(): number {
    return this._slots.length;
  }

  /** Whether `value` was remembered as clean. */
  has(value: string): boolean {
    return this._slots[hash(value) & this._mask] === value;
  }

  /** Records that `value` was found clean: it is remembered from its second time on. */
  add(value: string): void {
    const code = hash(value);
    const slot = code & this._mask;
    if (this._slots[slot] === value) return;
    const waiting = (code >>> 16) & this._probationMask;
    if (this._probation[waiting] === value) {
      this._slots[slot] = value;
      this._probation[waiting] = undefined;
    } else {
      this._probation[waiting] = value;
    }
  }
}

const PROBATION_SLOTS = 256;

/** A cheap 32-bit hash of a string's length and six of its characters. */
function hash(value: string): number {
  const length = value.length;
  if (length === 0) return 0;
  let code = Math.imul(length, 0x9e3779b1);
  code = Math.imul(code ^ value.charCodeAt(length - 1), 0x85ebca6b);
  code = Math.imul(code ^ value.charCodeAt(0), 0xc2b2ae35);
  code = Math.imul(code ^ value.charCodeAt(length >> 1), 0x27d4eb2f);
  code = Math.imul(code ^ value.charCodeAt(length >> 2), 0x165667b1);
  code = Math.imul(code ^ value.charCodeAt((length * 3) >> 2), 0x9e3779b1);
  code = Math.imul(code ^ value.charCodeAt(length > 1 ? length - 2 : 0), 0x85ebca6b);
  return (code ^ (code >>> 15)) >>> 0;
}
