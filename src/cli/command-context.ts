import { relative, resolve } from 'node:path';

/** What every command gets: the config path as the user asked for it, and where to write. */
export interface CommandContext {
  /** -c/--config, else $MCPGW_CONFIG, else ./gateway.yaml (SPEC section 2). */
  readonly configPath: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly isTTY: boolean;
  /**
   * Gateway variables (OAUTH_ENCRYPTION_KEY, MCPGW_*) still readable in this process's
   * /proc/PID/environ after the attempt to erase them (auth/environ.ts), and why.
   */
  readonly exposedSecrets?: { readonly names: readonly string[]; readonly reason: string };
}

export function configPathFrom(option: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  return resolve(option ?? (env.MCPGW_CONFIG || 'gateway.yaml'));
}

/** Writes lines to a stream. */
export function out(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Paths as the user would type them: relative to the working folder when inside it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}
