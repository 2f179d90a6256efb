/** mcpgw import (issue 19): reading the clients' files, merging into gateway.yaml. */
import { type CodeInfo, config } from './info.js';

export const IMPORT = {
  // mcpgw import (issue 19): reading the clients' files, merging into gateway.yaml.
  MCPGW_E_IMPORT_READ: config('A client file to import is missing, a folder, unreadable, too big, or not UTF-8 text.'),
  MCPGW_E_IMPORT_EMPTY: config('A client file to import is empty.'),
  MCPGW_E_IMPORT_PARSE: config('A client file to import is not valid JSON (JSONC for VS Code) or TOML (Codex).'),
  MCPGW_E_IMPORT_FORMAT: config('A server entry of a client file has the wrong shape: not an object, no command or url, args not a list.'),
  MCPGW_E_IMPORT_CONFIG: config('gateway.yaml is invalid before the import; nothing is imported into it until it is fixed.'),
  MCPGW_E_IMPORT_RESULT: config('The merged gateway.yaml would not validate (a bug in mcpgw import); nothing was written.'),
  MCPGW_E_IMPORT_WRITE: config(
    'gateway.yaml or the env file cannot be written, or gateway.yaml changed during the import; the old file is intact.',
  ),
  MCPGW_E_IMPORT_DECLINED: config('The import was not confirmed at the prompt; nothing was written.'),
  MCPGW_W_IMPORT_SKIPPED: config('A server of a client file uses a transport mcpgw does not speak (WebSocket); it was not imported.'),
  MCPGW_W_IMPORT_DUPLICATE: config('A client file defines a server name twice in one object; the last definition is imported.'),
  MCPGW_W_IMPORT_IGNORED: config('Keys of a server entry have no mcpgw equivalent (envFile, trust, autoApprove, ...) and were left out.'),
  MCPGW_W_IMPORT_PLACEHOLDER: config(
    'A ${...} placeholder of a client is kept as text, or ${workspaceFolder} of a user-level file became the current folder.',
  ),
  MCPGW_W_IMPORT_URL_SECRET: config('A server url holds a secret; it became a variable, but urls are shown in the log and /status.'),
} as const satisfies Record<string, CodeInfo>;
