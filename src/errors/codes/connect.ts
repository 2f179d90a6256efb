/** mcpgw connect: the relay's token, and --install/--uninstall CLIENT. */
import { type CodeInfo, config } from './info.js';

export const CONNECT = {
  // mcpgw connect (issue 19): the relay's token, and --install/--uninstall CLIENT.
  MCPGW_E_CONNECT_TOKEN: config(
    'The daemon wants a bearer token that connect cannot read from the config: an unset variable, a sha256: hash, named users.',
  ),
  MCPGW_E_INSTALL_PROFILE: config('connect --install names a profile that gateway.yaml does not have.'),
  MCPGW_E_INSTALL_CONFLICT: config(
    "A client's file holds an mcpgw entry (or a servers table) in a form connect --install cannot edit safely.",
  ),
  MCPGW_E_INSTALL_STASH: config(
    'The record connect --install keeps of its changes (<dataDir>/connect-install/CLIENT.json) cannot be read.',
  ),
  MCPGW_E_INSTALL_WRITE: config(
    "A client's file, its backup or the install record cannot be written, or the file changed meanwhile; the old file is intact.",
  ),
} as const satisfies Record<string, CodeInfo>;
