import { readFile } from 'node:fs/promises';
import type { Adapter } from 'lowdb';
import { corrupt, deriveStoreKey, newStoreKey, parseEnvelope, sameKdf, seal, unseal, type StoreKey } from './crypto.js';
import { ioError, writeFileAtomic, type WriteHooks } from './file.js';
import type { StoreData } from './types.js';

/**
 * lowdb's adapter for the encrypted store. Ours rather than lowdb's JSONFile/DataFile: those
 * switch to memory under NODE_ENV=test and write their temp file with the default mode (0644
 * under umask 022), which would leave tokens readable by others between write and rename.
 */
export class EncryptedFileAdapter implements Adapter<StoreData> {
  private key?: StoreKey;

  constructor(
    readonly path: string,
    private readonly secret: string,
    private readonly hooks: WriteHooks = {},
  ) {}

  /** The data, or null when there is no file yet. Throws McpgwError on anything else. */
  async read(): Promise<StoreData | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw ioError(`cannot read the token store ${this.path}`, err);
    }
    const envelope = parseEnvelope(text, this.path);
    // Derive again only when the salt changed, i.e. another process created the file anew.
    const key = this.key && sameKdf(this.key.kdf, envelope.kdf) ? this.key : await deriveStoreKey(this.secret, envelope.kdf);
    const data = parseStoreData(unseal(envelope, key, this.path), this.path);
    // Kept only once it has proved to open the file, so a write never uses a key that did not.
    this.key = key;
    return data;
  }

  async write(data: StoreData): Promise<void> {
    this.key ??= await newStoreKey(this.secret);
    await writeFileAtomic(this.path, seal(JSON.stringify(data), this.key), this.hooks);
  }
}

function parseStoreData(plaintext: string, file: string): StoreData {
  let data: unknown;
  try {
    data = JSON.parse(plaintext);
  } catch (cause) {
    throw corrupt(file, 'its decrypted contents are not JSON', cause);
  }
  const servers = (data as { servers?: unknown } | null)?.servers;
  if (typeof data !== 'object' || data === null || typeof servers !== 'object' || servers === null || Array.isArray(servers)) {
    throw corrupt(file, 'its decrypted contents have no "servers" object');
  }
  return data as StoreData;
}
