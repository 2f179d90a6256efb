/**
 * Names: server names made valid and unique (the schema's name pattern), and the variable
 * names secrets and inputs get, where two different values never share one.
 */

/** The schema's server-name pattern ($defs.name), plus its rule against "__". */
export const SERVER_NAME = /^[A-Za-z0-9]([A-Za-z0-9_-]{0,30}[A-Za-z0-9])?$/;
const MAX_NAME = 32;

export function isValidServerName(name: string): boolean {
  return SERVER_NAME.test(name) && !name.includes('__');
}

/**
 * A valid name keeping the letters: accents dropped ("café" -> "cafe"), anything else that is
 * not a letter, digit, "-" or "_" becomes "-", "__" becomes "_", 32 characters at most.
 */
export function validServerName(raw: string): string {
  if (isValidServerName(raw)) return raw;
  let name = raw
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/_{2,}/g, '_')
    .replace(/-{2,}/g, '-');
  name = trimEnds(name.slice(0, MAX_NAME));
  return name === '' ? 'server' : trimEnds(name);
}

function trimEnds(name: string): string {
  return name.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
}

/** `name`, else name-2, name-3, ... (shortened to fit), the first that `taken` does not hold. */
export function uniqueName(name: string, taken: (candidate: string) => boolean): string {
  if (!taken(name)) return name;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = `${trimEnds(name.slice(0, MAX_NAME - suffix.length))}${suffix}`;
    if (!taken(candidate)) return candidate;
  }
}

/** A valid environment variable name from any text: "my-server" -> "MY_SERVER". */
export function envName(text: string): string {
  const name = text
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (name === '') return 'MCP';
  return /^[0-9]/.test(name) ? `MCP_${name}` : name;
}

/**
 * Hands out variable names. A name is free for a value when nobody else holds it: not another
 * value of this import, not a variable the config or a client already uses for something
 * unknown, and not a variable set in the environment (or the env file) to another value.
 */
export class VariableNames {
  private readonly assigned = new Map<string, string>();
  private readonly reserved = new Set<string>();

  constructor(
    /** Values already known for names: the environment, then the env file's. */
    private readonly known: (name: string) => string | undefined,
  ) {}

  /** A name whose value is not ours to know: used in gateway.yaml, or read by a client from its environment. */
  reserve(name: string): void {
    this.reserved.add(name);
  }

  /** The name for `value`: the first candidate that is free for it (or already holds it). */
  forValue(value: string, candidates: readonly string[]): string {
    const fits = (name: string) => {
      const held = this.assigned.get(name);
      if (held !== undefined) return held === value;
      const known = this.known(name);
      if (known !== undefined) return known === value;
      return !this.reserved.has(name);
    };
    const name = first(candidates, fits);
    this.assigned.set(name, value);
    return name;
  }

  /** A name for something whose value nobody knows yet (a VS Code input): one nobody holds. */
  forUnknown(identity: string, candidates: readonly string[]): string {
    const key = `\0${identity}`;
    const name = first(candidates, (n) => {
      const held = this.assigned.get(n);
      return held === undefined ? !this.reserved.has(n) && this.known(n) === undefined : held === key;
    });
    this.assigned.set(name, key);
    return name;
  }
}

/** The first candidate that fits, else the last one with _2, _3, ... */
function first(candidates: readonly string[], fits: (name: string) => boolean): string {
  for (const c of candidates) if (fits(c)) return c;
  const base = candidates[candidates.length - 1]!;
  for (let n = 2; ; n++) if (fits(`${base}_${n}`)) return `${base}_${n}`;
}

/** Candidate names for a secret: the label itself (unless scoped), then SERVER_LABEL. */
export function secretCandidates(server: string, label: string, scoped: boolean): string[] {
  const prefix = envName(server);
  const own = envName(label);
  const withServer = own === prefix || own.startsWith(`${prefix}_`) ? own : `${prefix}_${own}`;
  return scoped ? [withServer] : [...new Set([own, withServer])];
}
