import { basename, dirname, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

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
 */
export class ConfigWatcher {
  private watcher?: FSWatcher;
  private files = new Set<string>();
  private dirs = new Set<string>();
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly onChange: (reason: string) => void,
    private readonly options: WatchOptions = {},
  ) {}

  /** Sets the files to watch (the config file first); folders are added as needed. */
  async setFiles(paths: readonly string[]): Promise<void> {
    if (this.closed) return;
    this.files = new Set(paths.map((p) => resolve(p)));
    const dirs = new Set([...this.files].map((f) => dirname(f)));
    if (!this.watcher) {
      this.dirs = dirs;
      this.watcher = watch([...dirs], {
        depth: 0,
        ignoreInitial: true,
        usePolling: this.options.polling ?? false,
        interval: 500,
        // Watch only our files inside those folders; the folders themselves must pass.
        ignored: (path: string) => !this.dirs.has(resolve(path)) && !this.files.has(resolve(path)),
      });
      this.watcher.on('all', (_event, path) => this.changed(path));
      this.watcher.on('error', (err) => this.options.onError?.(err as Error));
      await new Promise<void>((ready) => this.watcher!.once('ready', () => ready()));
      return;
    }
    const added = [...dirs].filter((d) => !this.dirs.has(d));
    const removed = [...this.dirs].filter((d) => !dirs.has(d));
    this.dirs = dirs;
    if (added.length > 0) this.watcher.add(added);
    if (removed.length > 0) this.watcher.unwatch(removed);
  }

  private changed(path: string): void {
    if (this.closed || !this.files.has(resolve(path))) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onChange(`${basename(path)} changed`), this.options.debounceMs ?? 100);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.watcher?.close();
  }
}
