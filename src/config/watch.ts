import { basename, dirname, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { resolutionPaths, signatures, type Signatures } from './signatures.js';

// daemon.ts takes both from here; the early start (not wired yet) is to take them from signatures.ts, without chokidar.
export { signatures } from './signatures.js';

const POLL_INTERVAL_MS = 500;

export interface WatchOptions {
  /** Quiet period after the last change before reloading. */
  readonly debounceMs?: number;
  /** Poll instead of relying on file system events (network and container mounts). */
  readonly polling?: boolean;
  readonly onError?: (err: Error) => void;
}

/**
 * Watches the config file and the files its templates read, and calls `onChange` once per
 * burst of changes. It watches their folders, not the files, so saves by rename, `git
 * checkout` replacing the file, and a file missing for a moment are all seen (SPEC section 5).
 *
 * Symlinks are watched as what they are: every link met while resolving a file, and the
 * file it finally resolves to, are watched entries (chokidar with `followSymlinks: false`
 * reports a link whose target changed). A Kubernetes ConfigMap or Secret volume updates
 * `gateway.yaml -> ..data/gateway.yaml` by renaming a new `..data` link over the old one
 * (SPEC section 11): the file's own path never changes, the `..data` entry does. Following
 * links instead (chokidar's default) sees such a swap only when the old target is deleted
 * afterwards, which the kubelet happens to do but `ln -sfn` deploys do not.
 */
export class ConfigWatcher {
  private watcher?: FSWatcher;
  /** Every path whose change means a reload: the files, the links to them, their targets. */
  private entries = new Set<string>();
  private dirs = new Set<string>();
  private timer?: NodeJS.Timeout;
  /** The files and what they looked like when the caller last read them (from setFiles). */
  private loaded?: { paths: readonly string[]; signatures: Signatures };
  /** One look of our own after a polling watcher's first poll (see setFiles). */
  private settle?: NodeJS.Timeout;
  private reported = false;
  private ready = false;
  private closed = false;

  constructor(
    private readonly onChange: (reason: string) => void,
    private readonly options: WatchOptions = {},
  ) {}

  /**
   * Sets the files to watch (the config file first); folders are added as needed. Called
   * again after each reload, since a swap moves where the links lead. Resolves once the new
   * folders are watched; `loaded` (from `signatures()` taken when the files were read) makes
   * a change between that read and now count too, so an edit right after a swap is not lost.
   */
  async setFiles(paths: readonly string[], loaded?: Signatures): Promise<void> {
    if (this.closed) return;
    const base = loaded ?? signatures(paths);
    this.loaded = { paths, signatures: base };
    this.reported = false;
    clearTimeout(this.settle);
    this.entries = new Set(paths.flatMap((p) => resolutionPaths(resolve(p))));
    const dirs = new Set([...this.entries].map((f) => dirname(f)));
    const same = this.watcher && dirs.size === this.dirs.size && [...dirs].every((d) => this.dirs.has(d));
    if (!same) await this.rewatch(dirs);
    const look = () => {
      if (!this.reported && !sameSignatures(base, signatures(paths))) this.changed(paths[0]!);
    };
    look();
    // A polling watcher takes its first stat of each entry after 'ready' (fs.watchFile starts
    // with an asynchronous stat): a change before that stat has no earlier one to differ from
    // and is never reported. Under load that window is long enough for a deploy's swap.
    if (this.options.polling) this.settle = setTimeout(look, 2 * POLL_INTERVAL_MS).unref();
  }

  /**
   * chokidar's add() says nothing when the folder is watched; a new watcher says so by its
   * ready event. The old one is closed only then, so no moment goes unwatched.
   */
  private async rewatch(dirs: Set<string>): Promise<void> {
    const old = this.watcher;
    this.dirs = dirs;
    const watcher = watch([...dirs], {
      depth: 0,
      ignoreInitial: true,
      followSymlinks: false,
      usePolling: this.options.polling ?? false,
      interval: POLL_INTERVAL_MS,
      // Watch only our entries inside those folders; the folders themselves must pass.
      ignored: (path: string) => !this.dirs.has(resolve(path)) && !this.entries.has(resolve(path)),
    });
    this.watcher = watcher;
    watcher.on('all', (_event, path) => this.changed(path));
    watcher.on('error', (err) => this.options.onError?.(err as Error));
    await new Promise<void>((ready) => watcher.once('ready', () => ready()));
    // chokidar reports the symlinks it finds at start as added, ignoreInitial or not.
    this.ready = true;
    await old?.close();
    if (this.closed) await watcher.close();
  }

  private changed(path: string): void {
    if (this.closed || !this.ready || !this.entries.has(resolve(path))) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      // One edit can be reported twice: by the check in setFiles and by a watcher that was
      // starting when it happened (a polling watcher's first stat came before the edit).
      // Nothing changed since the caller's last read means no reload.
      if (this.loaded && sameSignatures(this.loaded.signatures, signatures(this.loaded.paths))) return;
      this.reported = true;
      this.onChange(`${basename(path)} changed`);
    }, this.options.debounceMs ?? 100);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.settle);
    await this.watcher?.close();
  }
}

function sameSignatures(a: Signatures, b: Signatures): boolean {
  return a.size === b.size && [...a].every(([path, sig]) => b.get(path) === sig);
}
