import { readFile } from 'node:fs/promises';
import type { Adapter } from 'lowdb';
import { McpgwError } from '../errors/error.js';
import { corrupt, deriveStoreKey, newStoreKey, parseEnvelope, sameKdf, seal, unseal, type StoreKey } from './crypto.js';
import { ioError, writeFileAtomic, type WriteHooks } from './private-file.js';
import { DATA_VERSION, type StoreData } from './types.js';

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
  const version = (data as { version?: unknown }).version;
  if (version !== undefined && (typeof version !== 'number' || version > DATA_VERSION)) {
    throw new McpgwError(
      'MCPGW_E_STORE_VERSION',
      `the token store ${file} holds data version ${JSON.stringify(version)}; this mcpgw reads up to version ${DATA_VERSION}`,
      {
        hint: `it was written by a newer mcpgw: upgrade mcpgw (the file is left untouched), or move ${file} away and log in again`,
        details: { file, version },
      },
    );
  }
  const users = (data as { users?: unknown }).users;
  if (users !== undefined && (typeof users !== 'object' || users === null || Array.isArray(users)))
    throw corrupt(file, 'its decrypted "users" is not an object');
  return data as StoreData;
}
