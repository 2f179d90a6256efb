import { McpgwError } from '../errors/error.js';
import type { Logger } from '../log.js';
import { TokenStore } from '../auth/store.js';
import type { ServerEntry } from '../auth/types.js';
import { EntryWriter, type UnsavedState } from '../auth/writer.js';
import { storeIdentity, type Decision, type EntryStore, type StoreState } from './types.js';

/**
 * The file backend: `<dataDir>/oauth-store.json` (auth/store.ts), one process (its lock), so
 * exclusive() is a queue per entry in this process. Opening it fails for good on a file it
 * cannot read (the daemon then reports that problem; nothing is written over the file).
 */
export class FileEntryStore implements EntryStore {
  readonly type = 'file' as const;
  private readonly writer: EntryWriter;
  private readonly queues = new Map<string, Promise<unknown>>();
  private lastError: StoreState['lastError'] = null;

  private constructor(
    private readonly store: TokenStore,
    log: Logger,
  ) {
    this.writer = new EntryWriter(
      {
        read: (identity, server) => store.getFor(identity, server),
        write: (identity, server, entry) => this.track(store.updateFor(identity, server, () => entry)),
        unsavedHint: 'make the data dir writable again (gateway.dataDir): mcpgw retries on its own',
      },
      log,
    );
  }

  static async open(options: { dataDir: string; key: string; log: Logger }): Promise<FileEntryStore> {
    return new FileEntryStore(await TokenStore.open({ dataDir: options.dataDir, key: options.key }), options.log);
  }

  /** One process: every login happens here. */
  onLoginElsewhere(): void {}

  get(identity: string, server: string): ServerEntry | undefined {
    return this.writer.get(storeIdentity(identity), server);
  }

  set(identity: string, server: string, entry: ServerEntry | undefined): Promise<void> {
    return this.writer.set(storeIdentity(identity), server, entry);
  }

  identities(server: string): string[] {
    return this.store
      .listAll()
      .filter((e) => e.server === server)
      .map((e) => e.identity);
  }

  /** The registration lives in the entry here, so forgetting it is deleting the entry (done by the caller). */
  async forgetClient(): Promise<void> {}

  exclusive<T>(identity: string, server: string, fn: (entry: ServerEntry | undefined) => Promise<Decision<T>>): Promise<T> {
    const key = `${storeIdentity(identity)}\n${server}`;
    const run = (this.queues.get(key) ?? Promise.resolve()).then(async () => {
      const decision = await fn(this.get(identity, server));
      if (decision.write) await this.set(identity, server, decision.write.entry);
      return decision.result;
    });
    const tail = run.catch(() => undefined);
    this.queues.set(key, tail);
    void tail.then(() => this.queues.get(key) === tail && this.queues.delete(key));
    return run;
  }

  unsaved(identity: string, server: string): UnsavedState | undefined {
    return this.writer.state(storeIdentity(identity), server);
  }

  state(): StoreState {
    return { type: 'file', state: this.lastError ? 'error' : 'ok', lastError: this.lastError };
  }

  problem(): McpgwError | undefined {
    return undefined;
  }

  async close(): Promise<void> {
    await this.writer.close();
    await this.store.close();
  }

  private async track(write: Promise<void>): Promise<void> {
    try {
      await write;
      this.lastError = null;
    } catch (err) {
      const e = err instanceof McpgwError ? err : new McpgwError('MCPGW_E_STORE_IO', String((err as Error)?.message ?? err));
      this.lastError = { code: e.code, message: e.message, at: new Date().toISOString() };
      throw err;
    }
  }
}
