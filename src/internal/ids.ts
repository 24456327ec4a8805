import { randomFillSync } from 'node:crypto';

// Random bytes are drawn in blocks: one syscall per 512 ids keeps id creation off the hot path.
const POOL_SIZE = 16 * 512;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A UUID version 7 (RFC 9562): time-ordered, so ids sort by creation time. */
export function uuidV7(now: number = Date.now()): string {
  if (offset + 10 > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const b = pool;
  const o = offset;
  offset += 10;
  const ms = Math.max(0, Math.floor(now));
  const high = Math.floor(ms / 0x1000000);
  const low = ms % 0x1000000;
  const t0 = HEX[(high >>> 16) & 0xff] + HEX[(high >>> 8) & 0xff] + HEX[high & 0xff];
  const t1 = HEX[(low >>> 16) & 0xff] + HEX[(low >>> 8) & 0xff] + HEX[low & 0xff];
  return (
    `${t0}${t1.slice(0, 2)}-${t1.slice(2)}-` +
    `7${HEX[b[o] & 0x0f].slice(1)}${HEX[b[o + 1]]}-` +
    `${HEX[(b[o + 2] & 0x3f) | 0x80]}${HEX[b[o + 3]]}-` +
    `${HEX[b[o + 4]]}${HEX[b[o + 5]]}${HEX[b[o + 6]]}${HEX[b[o + 7]]}${HEX[b[o + 8]]}${HEX[b[o + 9]]}`
  );
}
