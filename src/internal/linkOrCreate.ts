import { linkSync, readFileSync, writeFileSync } from 'node:fs';

/** File systems without hard links (FAT, exFAT, some SMB and FUSE mounts) answer link() with these. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/**
 * Puts the content of the complete file `from` at `to`, failing with EEXIST when `to` exists: by
 * link(), so that `to` is never seen half written; where the file system has no hard links, by an
 * exclusive create and a write (a reader can then see `to` empty for a moment).
 */
export function linkOrCreate(from: string, to: string, mode: number): void {
  try {
    linkSync(from, to);
  } catch (error) {
    if (!NO_HARD_LINKS.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    writeFileSync(to, readFileSync(from), { flag: 'wx', mode });
  }
}
