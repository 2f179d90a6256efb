/** The encryption key and the token store. */
import { type CodeInfo, doctor } from './info.js';

export const STORE = {
  MCPGW_E_KEY_MISSING: {
    exit: 1,
    http: 500,
    jsonrpc: -32603,
    doc: 'OAuth is used but no encryption key is set: OAUTH_ENCRYPTION_KEY, OAUTH_ENCRYPTION_KEY_FILE or $CREDENTIALS_DIRECTORY/oauth-encryption-key.',
  },
  MCPGW_E_KEY_UNREADABLE: {
    exit: 1,
    http: 500,
    jsonrpc: -32603,
    doc: 'The file named by OAUTH_ENCRYPTION_KEY_FILE (or the systemd credential oauth-encryption-key) cannot be read.',
  },
  MCPGW_E_KEY_SHORT: { exit: 1, http: 500, jsonrpc: -32603, doc: 'The OAuth encryption key is shorter than 32 characters (or empty).' },
  MCPGW_E_STORE_DECRYPT: {
    exit: 1,
    http: 500,
    jsonrpc: -32603,
    doc: 'The token store was written with another encryption key; it is left untouched until the key is restored or the file is moved away.',
  },
  MCPGW_E_STORE_CORRUPT: {
    exit: 1,
    http: 500,
    jsonrpc: -32603,
    doc: 'The token store is damaged or was modified: not JSON, not an mcpgw store, or its ciphertext fails authentication.',
  },
  MCPGW_E_STORE_VERSION: {
    exit: 1,
    http: 500,
    jsonrpc: -32603,
    doc: 'The token store was written in a format version this mcpgw does not know (by a newer mcpgw).',
  },
  MCPGW_E_STORE_LOCKED: {
    exit: 1,
    http: 500,
    jsonrpc: -32603,
    doc: 'Another live mcpgw process holds the token store lock (<dataDir>/oauth-store.lock).',
  },
  MCPGW_E_STORE_IO: {
    exit: 1,
    http: 500,
    jsonrpc: -32603,
    doc: 'The data dir or the token store cannot be read or written: permissions, full disk, a file where a folder should be.',
  },
  MCPGW_E_STORE_UNSAVED: {
    exit: 1,
    http: 500,
    jsonrpc: -32603,
    doc: 'New tokens could not be written to the token store; they are kept in memory and the write is retried.',
  },
  MCPGW_W_STORE_PERMISSIONS: {
    exit: 1,
    http: 500,
    jsonrpc: -32603,
    doc: 'The token store is readable by other users (not 0600), or its data dir is (not 0700).',
  },
  MCPGW_I_KEY_OK: doctor('The OAuth encryption key is set and long enough.'),
  MCPGW_I_STORE_OK: doctor('The token store is readable, decryptable and private (or not created yet, in a writable place).'),
} as const satisfies Record<string, CodeInfo>;
