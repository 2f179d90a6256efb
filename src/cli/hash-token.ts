import { randomBytes } from 'node:crypto';
import { hashToken } from '../config/team.js';

/**
 * `mcpgw auth hash-token` (SPEC section 10): the `sha256:` form of a token for
 * gateway.auth.users. With a token on stdin (a pipe or a file, never an argument: argv is
 * visible in ps), prints its hash; on a terminal, or with --generate, makes a random token and
 * prints it once (to stderr, with a note) and its hash (stdout). Nothing is logged.
 */
export async function runHashToken(options: { generate?: boolean }): Promise<number> {
  let token: string;
  if (options.generate || process.stdin.isTTY) {
    token = randomBytes(32).toString('base64url');
    process.stderr.write(`new token (give it to the user; it is not shown again):\n${token}\n`);
  } else {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    token = Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
    if (token === '') {
      process.stderr.write('MCPGW_E_USAGE: stdin is empty\nhint: echo -n "$TOKEN" | mcpgw auth hash-token, or --generate\n');
      return 2;
    }
    if (token.length < 32) process.stderr.write('warning: the token is shorter than 32 characters; use a random one (--generate)\n');
  }
  process.stdout.write(`${hashToken(token)}\n`);
  return 0;
}
