import { randomFillSync } from 'node:crypto';

// Random bytes are drawn in blocks: one syscall per 800 ids keeps id creation off the hot path.
const POOL_SIZE = 8 * 1024;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;
const VARIANT = ['8', '9', 'a', 'b'];

/** A UUID version 7 (RFC 9562): 48-bit millisecond time then random bits, so ids sort by creation time. */
export function uuidV7(now: number = Date.now()): string {
  if (offset + 10 > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const random = pool.toString('hex', offset, offset + 10);
  const variant = VARIANT[(pool[offset + 2] ?? 0) & 0x03] ?? '8';
  offset += 10;
  const time = Math.max(0, Math.floor(now)).toString(16).padStart(12, '0').slice(-12);
  return `${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(0, 3)}-${variant}${random.slice(3, 6)}-${random.slice(8, 20)}`;
}
