import type { StoreSpec } from '../config/types.js';
import type { McpgwError } from '../errors/error.js';
import type { Logger } from '../log.js';
import { openEntryStore, type EntryStore, type StoreState } from '../store/open-store.js';
import type { EntryView } from './authorize.js';
import { blocksReadiness } from './service-status.js';
import type { TokenSet } from './types.js';

/**
 * The OAuth service's store (src/store/), opened on first need: once open it stays (a database
 * backend reconnects on its own); a problem no retry fixes (no key, an unreadable file) is
 * kept and reported instead.
 */
export class ServiceStore {
  store?: EntryStore;
  private openProblem?: { error: McpgwError; at: string };
  private opening?: Promise<void>;

  constructor(
    private readonly options: () => {
      store?: StoreSpec;
      dataDir: string;
      env: Readonly<Record<string, string | undefined>>;
      log: Logger;
      onAuthorized: (server: string, identity: string) => void;
    },
  ) {}

  open(): Promise<void> {
    if (this.store || this.openProblem) return Promise.resolve();
    this.opening ??= (async () => {
      const { store: spec, dataDir, env, log } = this.options();
      const opened = await openEntryStore({ spec, dataDir, env, log });
      if ('store' in opened) {
        this.store = opened.store;
        // A login on another replica: connect as after one here.
        opened.store.onLoginElsewhere((identity, server) => this.options().onAuthorized(server, identity));
      } else {
        this.openProblem = { error: opened.problem, at: new Date().toISOString() };
        log.error(`OAuth servers cannot start: ${opened.problem.message}`, { hint: opened.problem.hint });
      }
    })().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  /** Why no entry can be read: no key, a store that cannot be opened, a database never reached. */
  problem(): McpgwError | undefined {
    return this.openProblem?.error ?? this.store?.problem();
  }

  /** The entries of `identity`, for an authorization; throws the problem. */
  async view(identity: string): Promise<EntryView> {
    await this.open();
    const problem = this.problem();
    if (problem) throw problem;
    const store = this.store!;
    return { get: (server) => store.get(identity, server), set: (server, entry) => store.set(identity, server, entry) };
  }

  /** /status `store` (SPEC section 11). */
  state(): StoreState | undefined {
    const p = this.openProblem;
    if (p)
      return {
        type: this.options().store?.type ?? 'file',
        state: 'error',
        lastError: { code: p.error.code, message: p.error.message, at: p.at },
      };
    return this.store?.state();
  }

  blocksReadiness(tokens: (TokenSet | undefined)[]): boolean {
    return blocksReadiness(this.store, this.problem(), tokens);
  }

  async close(): Promise<void> {
    await this.opening;
    await this.store?.close();
    this.store = undefined;
  }
}
