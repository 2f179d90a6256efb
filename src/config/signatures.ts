import { lstatSync, readlinkSync } from 'node:fs';
import { dirname, join, parse, resolve, sep } from 'node:path';

// Apart from watch.ts (and chokidar): `mcpgw run` takes the signatures when it first reads the
// config, before it loads the watcher (the early start, cli/run.ts).

/**
 * `file`, each symlink met while resolving it (a link in any component, in order), and the
 * path it resolves to. A missing component ends the walk there: the file may be missing for
 * a moment (a checkout), and its folder is watched anyway.
 */
export function resolutionPaths(file: string): string[] {
  const out = [file];
  let path = file;
  // Like the kernel's limit on links followed in one lookup (40 on Linux): a loop stops here.
  for (let hops = 0; hops < 40; hops++) {
    const { root } = parse(path);
    const parts = path.slice(root.length).split(sep).filter(Boolean);
    let link: { at: string; rest: string[] } | undefined;
    for (let i = 1; i <= parts.length && !link; i++) {
      const prefix = join(root, ...parts.slice(0, i));
      try {
        if (lstatSync(prefix).isSymbolicLink()) link = { at: prefix, rest: parts.slice(i) };
      } catch {
        return [...new Set(out)];
      }
    }
    if (!link) return [...new Set([...out, path])];
    out.push(link.at);
    try {
      path = join(resolve(dirname(link.at), readlinkSync(link.at)), ...link.rest);
    } catch {
      return [...new Set(out)]; // replaced between lstat and readlink: the next event re-reads
    }
  }
  return [...new Set(out)];
}

/** What each path on the way to the files looked like: a change of any of them is a change. */
export type Signatures = ReadonlyMap<string, string>;

export function signatures(paths: readonly string[]): Signatures {
  const out = new Map<string, string>();
  for (const entry of paths.flatMap((p) => resolutionPaths(resolve(p)))) {
    try {
      const s = lstatSync(entry, { bigint: true });
      out.set(entry, `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`);
    } catch {
      out.set(entry, 'missing');
    }
  }
  return out;
}
