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
  MCPGW_E_STORE_DB: {
    exit: 1,
    http: 503,
    jsonrpc: -32603,
    doc: 'The PostgreSQL store (gateway.store) cannot be reached: the server is down, the URL points elsewhere, or the connection was lost. Tokens already held keep being used; mcpgw reconnects on its own.',
  },
  MCPGW_E_STORE_DB_URL: {
    exit: 1,
    http: 503,
    jsonrpc: -32603,
    doc: 'gateway.store.url (from a template) is not a postgresql:// URL; its value is never shown, as it may hold a password.',
  },
  MCPGW_E_STORE_DB_AUTH: {
    exit: 1,
    http: 503,
    jsonrpc: -32603,
    doc: 'The PostgreSQL server refused the login of gateway.store.url: wrong user or password, or no such database.',
  },
  MCPGW_E_STORE_DB_RIGHTS: {
    exit: 1,
    http: 503,
    jsonrpc: -32603,
    doc: 'The database role of gateway.store.url lacks a right the store needs (create its tables, read and write them); it needs only to own its database.',
  },
  MCPGW_E_STORE_SCHEMA: {
    exit: 1,
    http: 503,
    jsonrpc: -32603,
    doc: 'The database holds a schema version newer than this mcpgw knows (a newer replica created it); it is left untouched.',
  },
  MCPGW_I_KEY_OK: doctor('The OAuth encryption key is set and long enough.'),
  MCPGW_I_STORE_OK: doctor('The token store is readable, decryptable and private (or not created yet, in a writable place).'),
  MCPGW_I_STORE_DB_OK: doctor('The PostgreSQL store is reachable, its schema is current and the encryption key matches its check value.'),
} as const satisfies Record<string, CodeInfo>;
