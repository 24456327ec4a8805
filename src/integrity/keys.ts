/**
 * Ed25519 keys for signing checkpoints: resolving the signing key (option, file or a generated
 * local key) and loading the public keys a verifier trusts.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diag } from '@opentelemetry/api';
import { linkOrCreate } from '../internal/linkOrCreate.js';

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** File names of a generated key inside the key directory. */
export const GENERATED_PRIVATE_KEY_FILE = 'signing-key.pem';
export const GENERATED_PUBLIC_KEY_FILE = 'signing-key.pub.pem';

export interface SigningKey {
  readonly keyId: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** Raw 32-byte public key, lowercase hex. */
  readonly publicKeyHex: string;
  /**
   * Where it came from: an option/environment value, a file path, generated and stored locally, or
   * (when the key directory cannot be written) generated for this process only.
   */
  readonly source: 'value' | 'file' | 'generated' | 'stored' | 'ephemeral';
  /** The file it was read from or written to, if any. */
  readonly path?: string;
}

export interface ResolveSigningKeyOptions {
  /** PEM text (PKCS#8 Ed25519 private key), a path to such a file, or a `KeyObject`. */
  readonly signingKey?: string | KeyObject;
  /** Overrides the key id; default `ed25519:` + the first 16 hex digits of SHA-256(raw public key). */
  readonly keyId?: string;
  /** Where a key is generated and kept when none is given. */
  readonly keyDirectory: string;
}

/** Thrown for an unusable signing key; the message names the option and the fix. */
export class SigningKeyError extends Error {
  override readonly name = 'SigningKeyError';
}

/** Raw public key (hex) of an Ed25519 public or private `KeyObject`. */
export function rawPublicKeyHex(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return der.subarray(ED25519_SPKI_PREFIX.length).toString('hex');
}

/** A public `KeyObject` from a raw 32-byte Ed25519 key in hex. Throws on malformed input. */
export function publicKeyFromHex(hex: string): KeyObject {
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new SigningKeyError('an Ed25519 public key is 32 bytes (64 hex digits)');
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, 'hex')]), format: 'der', type: 'spki' });
}

/** The default key id of a public key. */
export function defaultKeyId(publicKeyHex: string): string {
  return `ed25519:${createHash('sha256').update(Buffer.from(publicKeyHex, 'hex')).digest('hex').slice(0, 16)}`;
}

function checkEd25519(key: KeyObject, what: string): void {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new SigningKeyError(`${what} is a ${key.asymmetricKeyType ?? 'symmetric'} key; swarmtrail signs with Ed25519 (generate one with \`openssl genpkey -algorithm ed25519\`)`);
  }
}

function fromPrivate(privateKey: KeyObject, keyId: string | undefined, source: SigningKey['source'], path?: string): SigningKey {
  checkEd25519(privateKey, 'the signing key');
  if (privateKey.type !== 'private') throw new SigningKeyError('signingKey must be a private key (PKCS#8 PEM), not a public key');
  const publicKey = createPublicKey(privateKey);
  const publicKeyHex = rawPublicKeyHex(publicKey);
  const key: SigningKey = { keyId: keyId ?? defaultKeyId(publicKeyHex), privateKey, publicKey, publicKeyHex, source };
  return path === undefined ? key : { ...key, path };
}

/**
 * Resolves the signing key: the given key (PEM text, path or KeyObject); otherwise the key stored in
 * `keyDirectory`; otherwise a new key generated there (private key file mode 0600), with a note
 * through `diag`. Throws `SigningKeyError` for a key that is given but unusable.
 */
export function resolveSigningKey(options: ResolveSigningKeyOptions): SigningKey {
  const given = options.signingKey;
  if (given !== undefined) {
    if (typeof given !== 'string') return fromPrivate(given, options.keyId, 'value');
    const text = given.trim();
    if (text.startsWith('-----BEGIN')) {
      try {
        return fromPrivate(createPrivateKey(text), options.keyId, 'value');
      } catch (error) {
        if (error instanceof SigningKeyError) throw error;
        throw new SigningKeyError(`signingKey (SWARMTRAIL_SIGNING_KEY) is not a readable PEM private key: ${(error as Error).message}`);
      }
    }
    let pem: string;
    try {
      pem = readFileSync(text, 'utf8');
    } catch (error) {
      throw new SigningKeyError(`signingKey (SWARMTRAIL_SIGNING_KEY) is neither PEM text nor a readable file: ${text}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    try {
      return fromPrivate(createPrivateKey(pem), options.keyId, 'file', text);
    } catch (error) {
      if (error instanceof SigningKeyError) throw error;
      throw new SigningKeyError(`signingKey file ${text} is not a PEM private key: ${(error as Error).message}`);
    }
  }
  const privatePath = join(options.keyDirectory, GENERATED_PRIVATE_KEY_FILE);
  try {
    return storedOrGeneratedKey(privatePath, options);
  } catch (error) {
    if (error instanceof SigningKeyError) throw error;
    // An unwritable directory (read-only container filesystem, serverless bundle) must not stop the
    // program: sign with a key that lives as long as the process, and say so.
    const { privateKey } = generateKeyPairSync('ed25519');
    const key = fromPrivate(privateKey, options.keyId, 'ephemeral');
    diag.error(
      `swarmtrail: cannot keep a signing key in ${options.keyDirectory} (${(error as NodeJS.ErrnoException).code ?? String(error)}); ` +
        `signing with key ${key.keyId} generated for this process only, verifiable from the public key each checkpoint carries. ` +
        'Set SWARMTRAIL_SIGNING_KEY (PEM or path), or make the directory writable.',
    );
    return key;
  }
}

function storedKey(privatePath: string, keyId: string | undefined): SigningKey {
  const mode = statSync(privatePath).mode & 0o077;
  if (mode !== 0) diag.warn(`swarmtrail: signing key ${privatePath} is readable by group or others (mode ${(statSync(privatePath).mode & 0o777).toString(8)}); run chmod 600 on it`);
  return fromPrivate(createPrivateKey(readFileSync(privatePath, 'utf8')), keyId, 'stored', privatePath);
}

/**
 * The key kept in the key directory, generated there first if missing. Processes starting together
 * race safely: each writes a complete key to a file of its own and links it into place, so the key
 * file is never seen half written, and whoever loses the race uses the winner's key.
 */
function storedOrGeneratedKey(privatePath: string, options: ResolveSigningKeyOptions): SigningKey {
  if (existsSync(privatePath)) return storedKey(privatePath, options.keyId);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  mkdirSync(options.keyDirectory, { recursive: true, mode: 0o700 });
  const temporary = `${privatePath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  try {
    linkOrCreate(temporary, privatePath, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return storedKey(privatePath, options.keyId);
    throw error;
  } finally {
    unlinkSync(temporary);
  }
  const publicPath = join(options.keyDirectory, GENERATED_PUBLIC_KEY_FILE);
  writeFileSync(`${temporary}.pub`, publicKey.export({ format: 'pem', type: 'spki' }), { mode: 0o644 });
  renameSync(`${temporary}.pub`, publicPath);
  const key = fromPrivate(privateKey, options.keyId, 'generated', privatePath);
  diag.warn(
    `swarmtrail: no signing key given; generated Ed25519 key ${key.keyId} at ${privatePath} (mode 0600). ` +
      'A key kept next to the trail guards against accidental change only (anyone who can write the trail can re-sign it): ' +
      'for audits, set SWARMTRAIL_SIGNING_KEY (PEM or path) to a key kept elsewhere and give verifiers its public key.',
  );
  return key;
}

/** A public key a verifier trusts. */
export interface TrustedKey {
  readonly keyId: string;
  readonly publicKeyHex: string;
  readonly publicKey: KeyObject;
  readonly path: string;
}

/**
 * Loads trusted public keys from PEM files (public or private keys) or directories of `*.pem` files.
 * The key id is the default one unless `keyIds` maps the file path to another.
 * Throws `SigningKeyError` naming the file that cannot be read.
 */
export function loadTrustedKeys(paths: readonly string[], keyIdOverride?: string): TrustedKey[] {
  const files: string[] = [];
  for (const path of paths) {
    let info;
    try {
      info = statSync(path);
    } catch {
      throw new SigningKeyError(`public key ${path} does not exist`);
    }
    if (info.isDirectory()) {
      for (const name of readdirSync(path).sort()) if (name.endsWith('.pub.pem') || (name.endsWith('.pem') && !existsSync(join(path, name.replace(/\.pem$/, '.pub.pem'))))) files.push(join(path, name));
    } else {
      files.push(path);
    }
  }
  const keys = new Map<string, TrustedKey>();
  for (const file of files) {
    let key: KeyObject;
    try {
      const pem = readFileSync(file, 'utf8');
      key = pem.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
    } catch (error) {
      throw new SigningKeyError(`public key ${file} is not a PEM key: ${(error as Error).message}`);
    }
    checkEd25519(key, `public key ${file}`);
    const publicKeyHex = rawPublicKeyHex(key);
    const keyId = keyIdOverride ?? defaultKeyId(publicKeyHex);
    if (!keys.has(publicKeyHex)) keys.set(publicKeyHex, { keyId, publicKeyHex, publicKey: key, path: file });
  }
  return [...keys.values()];
}
