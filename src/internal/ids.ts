import { randomBytes } from 'node:crypto';

let lastMillis = -1;
let lastPrefix = '';
let middle = '';
let counter = 0;

/** Draws the process's random bits: 12 bits of rand_a, 30 fixed bits of rand_b, a random counter start. */
function reseed(): void {
  const bytes = randomBytes(9);
  const randA = bytes.readUInt16BE(0) & 0x0fff;
  const fixed = bytes.readUInt32BE(2) & 0x3fffffff; // 30 bits
  counter = bytes.readUInt32BE(5);
  const variantAndHigh = (0x8 | (fixed >>> 28)).toString(16); // 10xx: the RFC 9562 variant
  const next12 = ((fixed >>> 16) & 0xfff).toString(16).padStart(3, '0');
  const low16 = (fixed & 0xffff).toString(16).padStart(4, '0');
  middle = `${randA.toString(16).padStart(3, '0')}-${variantAndHigh}${next12}-${low16}`;
}
reseed();

/**
 * A UUID version 7 (RFC 9562): 48-bit millisecond time, then random bits, so ids sort by creation
 * time. The last 32 bits are a counter that starts at a random value and is incremented per id
 * (the RFC's monotonic random method), which keeps ids unique within the process without drawing
 * entropy per id; the other random bits are drawn once per process and again when it wraps.
 */
/** Two hex digits per byte value: four lookups are cheaper than `toString(16).padStart()` per id. */
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

export function uuidV7(now: number = Date.now()): string {
  const millis = Math.max(0, Math.floor(now));
  if (millis !== lastMillis) {
    const time = millis.toString(16).padStart(12, '0').slice(-12);
    lastPrefix = `${time.slice(0, 8)}-${time.slice(8)}-7`;
    lastMillis = millis;
  }
  counter = (counter + 1) >>> 0;
  if (counter === 0) reseed();
  const c = counter;
  return lastPrefix + middle + HEX[c >>> 24] + HEX[(c >>> 16) & 0xff] + HEX[(c >>> 8) & 0xff] + HEX[c & 0xff];
}
