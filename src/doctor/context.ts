import { resolve } from 'node:path';
import { resolveEncryptionKey, type ResolvedKey } from '../auth/key.js';
import { inspectStore, TokenStore, type StoreHealth, type TokenSet } from '../auth/store.js';
import { loadConfig, type LoadResult } from '../config/load.js';
import { formatPath, locate, readConfigSource, type ConfigSource, type PathSegment } from '../config/source.js';
import type { ConfigModel, ServerSpec } from '../config/types.js';
import type { Location } from '../errors/error.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface DoctorOptions {
  readonly configPath: string;
  readonly env: Env;
  readonly version: string;
  /** No network I/O, no process spawned. */
  readonly offline?: boolean;
  /** Only these servers (SERVER... on the command line); default every server. */
  readonly servers?: readonly string[];
  /** Budget of each live check (connect, initialize, discovery). Default 10 s. */
  readonly timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * What every check sees: the options, the loaded config, a locator for config lines, and
 * shared lazy results (key, store, tokens, probes) so concurrent checks compute each once.
 * Whatever a check starts is registered with `defer` and stopped before doctor returns.
 */
export class DoctorContext {
  readonly load: LoadResult;
  readonly model?: ConfigModel;
  /** The file as written (templates unexpanded), with positions; absent when unreadable. */
  readonly source?: ConfigSource;
  readonly timeoutMs: number;
  readonly offline: boolean;
  /** Every live check shares one deadline, so doctor ends about timeoutMs after it starts. */
  readonly deadline: number;
  private readonly cleanups: Array<() => Promise<void>> = [];
  private readonly memo = new Map<string, Promise<unknown>>();
  /** Values never to print: config secrets, stored tokens, the key (redacted at the end). */
  readonly secrets: Array<{ readonly value: string; readonly label: string }> = [];

  constructor(readonly options: DoctorOptions) {
    this.load = loadConfig(options.configPath, { env: options.env });
    this.model = this.load.model;
    this.source = readConfigSource(resolve(options.configPath)).source;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.offline = options.offline ?? false;
    this.deadline = Date.now() + this.timeoutMs;
    this.secrets.push(...(this.model?.secrets ?? []));
  }

  get env(): Env {
    return this.options.env;
  }

  /** The servers to check: the named ones, else all (in file order). */
  get selected(): readonly ServerSpec[] {
    const all = this.model?.servers ?? [];
    const named = this.options.servers;
    return named && named.length > 0 ? all.filter((s) => named.includes(s.name)) : all;
  }

  /** What is left of the live budget (at least a little, so a late step still gets a try). */
  remaining(): number {
    return Math.max(250, this.deadline - Date.now());
  }

  /** Whether a server was named on the command line (then it is checked even when disabled). */
  named(server: string): boolean {
    return this.options.servers?.includes(server) ?? false;
  }

  /** File, line, column and dotted path of a config path (the deepest part that exists). */
  at(path: readonly PathSegment[], options: { key?: boolean } = {}): Location {
    const file = this.model?.file ?? this.options.configPath;
    if (!this.source) return { file, path: formatPath(path) };
    return { file, ...locate(this.source, path, options), path: formatPath(path) };
  }

  /** The raw (unexpanded) value at a path of the file as written. */
  raw(path: readonly PathSegment[]): unknown {
    let node: unknown = this.source?.value;
    for (const segment of path) {
      if (node === null || typeof node !== 'object') return undefined;
      node = (node as Record<string | number, unknown>)[segment];
    }
    return node;
  }

  /** Enabled OAuth servers: the daemon needs the key and the store for them. */
  get oauthServers(): readonly ServerSpec[] {
    return (this.model?.servers ?? []).filter((s) => s.enabled && s.auth.type === 'oauth');
  }

  key(): ResolvedKey {
    const key = resolveEncryptionKey(this.env);
    if (key.key && !this.secrets.some((s) => s.value === key.key))
      this.secrets.push({ value: key.key, label: '[the OAuth encryption key]' });
    return key;
  }

  /** The token store as inspectStore sees it (read-only); undefined without a config. */
  store(): Promise<StoreHealth | undefined> {
    return this.once('store', async () => (this.model ? inspectStore(this.model.gateway.dataDir, this.key().key) : undefined));
  }

  /**
   * The stored tokens of a server, when the store can be read and the entry is bound to the
   * server's current URL. Opened read-only (lock: false): nothing is created or written.
   */
  tokens(server: string): Promise<TokenSet | undefined> {
    return this.once('tokens', async () => {
      const key = this.key().key;
      const health = await this.store();
      if (!key || !this.model || !health?.file.exists || health.problem) return new Map<string, TokenSet>();
      const store = await TokenStore.open({ dataDir: this.model.gateway.dataDir, key, lock: false });
      try {
        const out = new Map<string, TokenSet>();
        for (const spec of this.oauthServers) {
          const entry = store.get(spec.name);
          if (!entry?.tokens || spec.transport.kind !== 'http' || entry.serverUrl !== spec.transport.url) continue;
          out.set(spec.name, entry.tokens);
          for (const v of [entry.tokens.accessToken, entry.tokens.refreshToken])
            if (v) this.secrets.push({ value: v, label: '[a stored token]' });
        }
        return out;
      } finally {
        await store.close();
      }
    }).then((map) => (map as Map<string, TokenSet>).get(server));
  }

  /**
   * The live probe of a server (connect + initialize + lists, doctor/probe.ts), run once.
   * Generic so that this module imports nothing of the checks that use it.
   */
  probe<T>(spec: ServerSpec, run: () => Promise<T>): Promise<T> {
    return this.once(`probe:${spec.name}`, run);
  }

  /** Memoizes an async computation by key. */
  once<T>(key: string, compute: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = compute();
      this.memo.set(key, p);
    }
    return p;
  }

  /** Registers something to stop before doctor returns (a started upstream, a socket). */
  defer(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  /** Runs every cleanup (each once, errors ignored). */
  async close(): Promise<void> {
    const all = this.cleanups.splice(0);
    await Promise.all(all.map((c) => c().catch(() => undefined)));
  }
}
