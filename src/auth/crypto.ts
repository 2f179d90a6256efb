import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { McpgwError } from '../errors/error.js';

/**
 * The token store's envelope (SPEC section 5), version 1:
 *   {"format":"mcpgw-oauth-store","version":1,
 *    "kdf":{"name":"scrypt","N":32768,"r":8,"p":1,"salt":b64},
 *    "cipher":"aes-256-gcm","check":b64,"iv":b64,"tag":b64,"data":b64}
 * Everything but iv/tag/data is the header, authenticated as GCM additional data.
 */
export const FORMAT = 'mcpgw-oauth-store';
export const VERSION = 1;
const CIPHER = 'aes-256-gcm';

/**
 * scrypt rather than HKDF: the key is whatever the user put in OAUTH_ENCRYPTION_KEY, often a
 * passphrase rather than 256 random bits, and HKDF does nothing to slow a guesser holding a
 * copied store file. scrypt's cost (~32 MB, ~0.1 s) is paid once per open: the derived key
 * is kept for every later write, which keeps the salt. The parameters live in the file so
 * they can be raised later without a new version.
 */
const DEFAULT_KDF = { N: 2 ** 15, r: 8, p: 1 } as const;
/** A tampered header must not make us allocate gigabytes before the check can fail. */
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;

export interface KdfParams {
  readonly name: 'scrypt';
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: string;
}

export interface Envelope {
  readonly format: typeof FORMAT;
  readonly version: typeof VERSION;
  readonly kdf: KdfParams;
  readonly cipher: typeof CIPHER;
  readonly check: string;
  readonly iv: string;
  readonly tag: string;
  readonly data: string;
}

/** A derived key, bound to the kdf parameters (and so the salt) it came from. */
export interface StoreKey {
  readonly kdf: KdfParams;
  readonly enc: Buffer;
  /**
   * A value derived from the key, stored in the header. GCM alone cannot tell a wrong key from a
   * modified file; comparing this first can, so the user is told the right recovery. It helps a
   * guesser no more than the GCM tag already does.
   */
  readonly check: Buffer;
}

/** A key for a new store: a fresh random salt. */
export function newStoreKey(secret: string): Promise<StoreKey> {
  return deriveStoreKey(secret, { name: 'scrypt', ...DEFAULT_KDF, salt: randomBytes(16).toString('base64') });
}

export function deriveStoreKey(secret: string, kdf: KdfParams): Promise<StoreKey> {
  const { N, r, p } = kdf;
  return new Promise((resolve, reject) => {
    scrypt(secret, Buffer.from(kdf.salt, 'base64'), 32, { N, r, p, maxmem: MAX_SCRYPT_MEMORY + 1024 * 1024 }, (err, master) => {
      if (err) return reject(err);
      // Two independent subkeys from one stretched secret; the info strings keep them apart.
      const enc = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'mcpgw-oauth-store v1 aes-256-gcm', 32));
      const check = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'mcpgw-oauth-store v1 key check', 16));
      resolve({ kdf, enc, check });
    });
  });
}

export function sameKdf(a: KdfParams, b: KdfParams): boolean {
  return a.name === b.name && a.N === b.N && a.r === b.r && a.p === b.p && a.salt === b.salt;
}

/** Encrypts with a fresh random IV: GCM is broken by reusing an IV under one key. */
export function seal(plaintext: string, key: StoreKey): string {
  const iv = randomBytes(12);
  const header = { format: FORMAT, version: VERSION, kdf: key.kdf, cipher: CIPHER, check: key.check.toString('base64') } as const;
  const cipher = createCipheriv(CIPHER, key.enc, iv);
  cipher.setAAD(headerBytes(header));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const envelope: Envelope = {
    ...header,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
  return `${JSON.stringify(envelope, null, 2)}\n`;
}

/** The plaintext; throws MCPGW_E_STORE_DECRYPT (wrong key) or MCPGW_E_STORE_CORRUPT. */
export function unseal(envelope: Envelope, key: StoreKey, file: string): string {
  if (!sameKdf(envelope.kdf, key.kdf)) throw new Error('unseal: key derived for another salt');
  const check = Buffer.from(envelope.check, 'base64');
  if (check.length !== key.check.length || !timingSafeEqual(check, key.check)) throw wrongKey(file);
  const decipher = createDecipheriv(CIPHER, key.enc, Buffer.from(envelope.iv, 'base64'));
  decipher.setAAD(headerBytes(envelope));
  decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64')), decipher.final()]).toString('utf8');
  } catch (cause) {
    throw corrupt(file, 'its contents fail authentication (the key is right, so the file was modified or damaged)', cause);
  }
}

/** Parses and checks the envelope's shape, before any key is derived from it. */
export function parseEnvelope(text: string, file: string): Envelope {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw corrupt(file, 'it is not valid JSON', cause);
  }
  if (!isObject(raw) || raw.format !== FORMAT) throw corrupt(file, `it is not an mcpgw OAuth token store (no "format": "${FORMAT}")`);
  // The version first: a newer format may have other fields, and deserves its own message.
  if (raw.version !== VERSION) {
    throw new McpgwError(
      'MCPGW_E_STORE_VERSION',
      `the token store ${file} has format version ${JSON.stringify(raw.version)}; this mcpgw reads version ${VERSION}`,
      {
        hint: `it was probably written by a newer mcpgw: upgrade mcpgw, or move ${file} away and log in again (\`mcpgw auth login SERVER\`)`,
        details: { file, version: raw.version },
      },
    );
  }
  const kdf = raw.kdf;
  const bad = (what: string) => corrupt(file, `its ${what} is invalid`);
  if (!isObject(kdf) || kdf.name !== 'scrypt') throw bad('kdf');
  const { N, r, p } = kdf;
  if (!isInt(N) || N < 2 ** 10 || (N & (N - 1)) !== 0 || !isInt(r) || r < 1 || r > 32 || !isInt(p) || p < 1 || p > 16) throw bad('kdf');
  if (128 * N * r > MAX_SCRYPT_MEMORY) throw bad('kdf');
  if (raw.cipher !== CIPHER) throw bad('cipher');
  if (!isBase64(kdf.salt, 16, 64)) throw bad('kdf salt');
  if (!isBase64(raw.check, 16, 16)) throw bad('key check');
  if (!isBase64(raw.iv, 12, 12)) throw bad('iv');
  if (!isBase64(raw.tag, 16, 16)) throw bad('tag');
  if (!isBase64(raw.data, 0, Infinity)) throw bad('data');
  return {
    format: FORMAT,
    version: VERSION,
    cipher: CIPHER,
    kdf: { name: 'scrypt', N, r, p, salt: kdf.salt as string },
    check: raw.check as string,
    iv: raw.iv as string,
    tag: raw.tag as string,
    data: raw.data as string,
  };
}

/**
 * The header as GCM additional data, rebuilt from parsed fields in a fixed order: the file's own
 * bytes would depend on key order and whitespace, which are not ours to authenticate.
 */
function headerBytes(h: Pick<Envelope, 'format' | 'version' | 'kdf' | 'cipher' | 'check'>): Buffer {
  return Buffer.from(JSON.stringify([h.format, h.version, h.kdf.name, h.kdf.N, h.kdf.r, h.kdf.p, h.kdf.salt, h.cipher, h.check]), 'utf8');
}

export function wrongKey(file: string): McpgwError {
  return new McpgwError(
    'MCPGW_E_STORE_DECRYPT',
    `the token store ${file} cannot be decrypted with this encryption key; it was written with another key, and is left untouched`,
    {
      hint: `restore the key it was written with (OAUTH_ENCRYPTION_KEY, OAUTH_ENCRYPTION_KEY_FILE or the oauth-encryption-key credential), or move ${file} away and log in again (\`mcpgw auth login SERVER\`)`,
      details: { file },
    },
  );
}

export function corrupt(file: string, why: string, cause?: unknown): McpgwError {
  return new McpgwError('MCPGW_E_STORE_CORRUPT', `the token store ${file} is damaged: ${why}; it is left untouched`, {
    hint: `restore it from a backup, or move ${file} away and log in again (\`mcpgw auth login SERVER\`)`,
    details: { file },
    cause,
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

/** Strict: Buffer.from(x, 'base64') skips garbage silently, so require a clean round trip. */
function isBase64(v: unknown, min: number, max: number): v is string {
  if (typeof v !== 'string') return false;
  const bytes = Buffer.from(v, 'base64');
  return bytes.toString('base64') === v && bytes.length >= min && bytes.length <= max;
}

/**
 * One value sealed for a database row (issue 16): `m1.<iv>.<tag>.<data>` in base64url, under the
 * same key and cipher as the file. The row's identity (`context`: its table and primary key)
 * is the additional data, so a sealed value copied into another row (another user's, another
 * server's) fails authentication instead of being used there.
 */
export function sealValue(plaintext: string, key: StoreKey, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv(CIPHER, key.enc, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['m1', iv, cipher.getAuthTag(), data].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

/** The plaintext of sealValue's result, or undefined when it fails authentication or has another shape. */
export function unsealValue(sealed: string, key: StoreKey, context: string): string | undefined {
  const [version, iv, tag, data, extra] = sealed.split('.');
  if (version !== 'm1' || iv === undefined || tag === undefined || data === undefined || extra !== undefined) return undefined;
  try {
    const decipher = createDecipheriv(CIPHER, key.enc, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/** Whether `check` (base64, as stored) is this key's check value. */
export function checkMatches(key: StoreKey, check: string): boolean {
  const stored = Buffer.from(check, 'base64');
  return stored.length === key.check.length && timingSafeEqual(stored, key.check);
}

/** The kdf parameters as stored outside a file envelope (the database's meta row); undefined if invalid. */
export function parseKdf(text: string): KdfParams | undefined {
  try {
    const kdf = JSON.parse(text) as Partial<KdfParams>;
    const { N, r, p, salt } = kdf;
    if (kdf.name !== 'scrypt' || !isInt(N) || N < 2 ** 10 || (N & (N - 1)) !== 0 || !isInt(r) || r < 1 || r > 32) return undefined;
    if (!isInt(p) || p < 1 || p > 16 || 128 * N * r > MAX_SCRYPT_MEMORY || !isBase64(salt, 16, 64)) return undefined;
    return { name: 'scrypt', N, r, p, salt };
  } catch {
    return undefined;
  }
}
