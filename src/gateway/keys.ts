import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/**
 * The keys that seal what the gateway hands clients and gets back from them: 2025-era session
 * ids (session-id.ts) and 2026-07-28 `requestState` (seal.ts). All replicas with the same
 * `gateway.sessionKey` open each other's tokens (SPEC section 11); without one the key is
 * random per process, so only the process that issued a token can open it.
 *
 * Each purpose has its own HKDF-SHA256 subkey (a session id can never pass as a requestState).
 * A token is `base64url(format | key id | iv | tag | AES-256-GCM ciphertext)`; the key id tells
 * "sealed with a key we do not have" (a rotation gone too far) from "altered".
 */

export type Purpose = 'session' | 'state' | 'link';

export type Opened = { readonly text: string; readonly previous: boolean } | { readonly error: 'malformed' | 'unknown-key' | 'altered' };

/** The least length of gateway.sessionKey (the schema says so too): 32 characters, e.g. `openssl rand -base64 32`. */
export const MIN_KEY_CHARS = 32;

const FORMAT = 1;
const KID_BYTES = 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEAD_BYTES = 1 + KID_BYTES + IV_BYTES + TAG_BYTES;
/** Longer tokens are refused before any work (a header or a param is not a place for megabytes). */
const MAX_TOKEN_CHARS = 16_384;
const SALT = Buffer.from('mcpgw sealing v1');

interface Subkey {
  readonly kid: Buffer;
  readonly key: Buffer;
}

function derive(secret: Buffer, purpose: Purpose): Subkey {
  const sub = (info: string, bytes: number) => Buffer.from(hkdfSync('sha256', secret, SALT, info, bytes));
  // One key id per key (not per purpose): a token of the wrong purpose is "altered", not "unknown key".
  return { kid: sub('mcpgw key id', KID_BYTES), key: sub(`mcpgw ${purpose} key`, 32) };
}

export class Keyring {
  /** Whether other processes with the same config can open what this one seals. */
  readonly shared: boolean;
  /** A digest of the configured keys, to tell whether a reload changed them. */
  private readonly material: string;
  private readonly byPurpose: Record<Purpose, readonly Subkey[]>;

  /**
   * `current` seals; `previous` only open (a rotation). No `current`: a random key for this
   * process alone (`shared` false), and `previous` keys are ignored.
   */
  constructor(current?: string, previous: readonly string[] = []) {
    this.shared = current !== undefined;
    this.material = materialOf(current, previous);
    const secrets = this.shared ? [current!, ...previous].map((k) => Buffer.from(k, 'utf8')) : [randomBytes(32)];
    this.byPurpose = {
      session: secrets.map((s) => derive(s, 'session')),
      state: secrets.map((s) => derive(s, 'state')),
      link: secrets.map((s) => derive(s, 'link')),
    };
  }

  /** The HMAC keys of a purpose, the sealing one first (authorization links: auth/links.ts). */
  macKeys(purpose: Purpose): readonly Buffer[] {
    return this.byPurpose[purpose].map((s) => s.key);
  }

  /** This keyring when the keys are the same (a process key survives reloads), else a new one. */
  static update(old: Keyring | undefined, current?: string, previous: readonly string[] = []): Keyring {
    return old?.material === materialOf(current, previous) ? old : new Keyring(current, previous);
  }

  seal(purpose: Purpose, text: string): string {
    const { kid, key } = this.byPurpose[purpose][0]!;
    const iv = randomBytes(IV_BYTES);
    const head = Buffer.from([FORMAT, ...kid]);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.concat([head, Buffer.from(purpose)]));
    const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return Buffer.concat([head, iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  open(purpose: Purpose, token: unknown): Opened {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(token)) return { error: 'malformed' };
    const raw = Buffer.from(token, 'base64url');
    if (raw.length <= HEAD_BYTES || raw[0] !== FORMAT) return { error: 'malformed' };
    const kid = raw.subarray(1, 1 + KID_BYTES);
    const keys = this.byPurpose[purpose];
    const index = keys.findIndex((k) => k.kid.equals(kid));
    if (index === -1) return { error: 'unknown-key' };
    try {
      const decipher = createDecipheriv('aes-256-gcm', keys[index]!.key, raw.subarray(1 + KID_BYTES, 1 + KID_BYTES + IV_BYTES));
      decipher.setAAD(Buffer.concat([raw.subarray(0, 1 + KID_BYTES), Buffer.from(purpose)]));
      decipher.setAuthTag(raw.subarray(1 + KID_BYTES + IV_BYTES, HEAD_BYTES));
      const text = Buffer.concat([decipher.update(raw.subarray(HEAD_BYTES)), decipher.final()]).toString('utf8');
      return { text, previous: index > 0 };
    } catch {
      return { error: 'altered' };
    }
  }
}

function materialOf(current: string | undefined, previous: readonly string[]): string {
  return current === undefined
    ? ''
    : createHash('sha256')
        .update(JSON.stringify([current, ...previous]))
        .digest('hex');
}
