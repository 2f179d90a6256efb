import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { McpgwError } from '../errors/error.js';

/** SPEC section 5: the key must be at least this many characters. */
export const MIN_KEY_LENGTH = 32;

export type KeySource = 'env' | 'file' | 'credentials' | 'none';

/**
 * Where the OAuth encryption key came from. `key` is set only when it is usable; otherwise
 * `problem` says why (its message names the variable or file, never the key). `file` is the
 * file the key was (or should have been) read from, for doctor.
 */
export interface ResolvedKey {
  readonly key?: string;
  readonly source: KeySource;
  readonly file?: string;
  readonly problem?: McpgwError;
}

const GENERATE = 'generate one with `openssl rand -hex 32`';
/** The systemd credential name (LoadCredential=oauth-encryption-key:/path). */
export const CREDENTIAL_NAME = 'oauth-encryption-key';

/**
 * The key from OAUTH_ENCRYPTION_KEY, else the file named by OAUTH_ENCRYPTION_KEY_FILE, else
 * $CREDENTIALS_DIRECTORY/oauth-encryption-key (SPEC section 5). An empty variable counts as
 * unset, as in config templates. A named file that cannot be read is a problem rather than a
 * reason to fall through: the user asked for that file, and silently using another key would
 * make the store undecryptable later.
 */
export function resolveEncryptionKey(env: Readonly<Record<string, string | undefined>> = process.env): ResolvedKey {
  const fromEnv = env.OAUTH_ENCRYPTION_KEY;
  if (fromEnv) return checked(fromEnv, 'env', 'OAUTH_ENCRYPTION_KEY');

  const keyFile = env.OAUTH_ENCRYPTION_KEY_FILE;
  if (keyFile) {
    const read = readKeyFile(keyFile);
    if ('error' in read) {
      return {
        source: 'file',
        file: keyFile,
        problem: unreadable(
          `OAUTH_ENCRYPTION_KEY_FILE names ${keyFile}, which cannot be read (${read.error})`,
          keyFile,
          'OAUTH_ENCRYPTION_KEY_FILE',
        ),
      };
    }
    return { ...checked(read.text, 'file', `the file ${keyFile} (OAUTH_ENCRYPTION_KEY_FILE)`), file: keyFile };
  }

  const credDir = env.CREDENTIALS_DIRECTORY;
  if (credDir) {
    const file = join(credDir, CREDENTIAL_NAME);
    const read = readKeyFile(file);
    // systemd sets CREDENTIALS_DIRECTORY for any credential, so a missing one is just "not here".
    if (!('error' in read)) return { ...checked(read.text, 'credentials', `the credential ${file}`), file };
    if (read.code !== 'ENOENT') {
      return {
        source: 'credentials',
        file,
        problem: unreadable(`the credential ${file} cannot be read (${read.error})`, file, 'CREDENTIALS_DIRECTORY'),
      };
    }
  }

  return {
    source: 'none',
    problem: new McpgwError(
      'MCPGW_E_KEY_MISSING',
      `no OAuth encryption key: OAUTH_ENCRYPTION_KEY and OAUTH_ENCRYPTION_KEY_FILE are unset${credDir ? ` and ${credDir} has no ${CREDENTIAL_NAME}` : ''}`,
      {
        hint: `${GENERATE}, set it as OAUTH_ENCRYPTION_KEY (or put it in a file named by OAUTH_ENCRYPTION_KEY_FILE), and keep it: stored tokens cannot be read without it`,
      },
    ),
  };
}

function checked(raw: string, source: Exclude<KeySource, 'none'>, label: string): ResolvedKey {
  if (raw.length >= MIN_KEY_LENGTH) return { key: raw, source };
  const what = raw.length === 0 ? 'is empty' : `is ${raw.length} characters long`;
  return {
    source,
    problem: new McpgwError('MCPGW_E_KEY_SHORT', `the OAuth encryption key in ${label} ${what}; at least ${MIN_KEY_LENGTH} are needed`, {
      hint: `${GENERATE} (64 characters)`,
      details: { source },
    }),
  };
}

function unreadable(message: string, file: string, variable: string): McpgwError {
  return new McpgwError('MCPGW_E_KEY_UNREADABLE', message, {
    hint: `check that ${file} exists and is readable by this user, or fix ${variable}; to make a new key, ${GENERATE}`,
    details: { file, variable },
  });
}

/** The file's text without one trailing newline, like the $<file:> template. */
function readKeyFile(file: string): { text: string } | { error: string; code?: string } {
  try {
    return { text: readFileSync(file, 'utf8').replace(/\r?\n$/, '') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const error =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a folder'
            : (code ?? 'unknown error');
    return { error, code };
  }
}
