import type { ServerSpec } from '../config/types.js';
import type { Location } from '../errors/error.js';
import type { DoctorContext } from './context.js';

/** The location of a server's key (the key's line when the key is written, else the server's). */
export function at(ctx: DoctorContext, server: string, ...path: string[]): Location {
  return ctx.at(['servers', server, ...path], { key: path.length === 0 });
}

/**
 * A stdio server's command line as written in the file (templates unexpanded, so no secret
 * is shown), quoted for a shell, with its folder: what to run by hand to see its errors.
 */
export function commandLine(ctx: DoctorContext, spec: ServerSpec): string {
  if (spec.transport.kind !== 'stdio') return '';
  const raw = ctx.raw(['servers', spec.name, 'args']);
  const args = Array.isArray(raw) ? raw.map(String) : [...spec.transport.args];
  const line = [spec.transport.command, ...args].map(shellQuote).join(' ');
  return spec.transport.cwd === ctx.model?.dir ? line : `cd ${shellQuote(spec.transport.cwd)} && ${line}`;
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
