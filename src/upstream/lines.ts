import type { JSONRPCMessage } from '@modelcontextprotocol/client';

/**
 * Newline-delimited JSON-RPC from a stdio server, parsed with JSON.parse and a shape check
 * instead of the SDK's zod schema. Lines that are not JSON-RPC are reported, not thrown past.
 */
export class LineReader {
  private pending = '';

  /** Feeds a chunk; returns the complete messages, and the lines that were not JSON-RPC. */
  push(chunk: string): { messages: JSONRPCMessage[]; garbage: string[] } {
    const text = this.pending + chunk;
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
    const messages: JSONRPCMessage[] = [];
    const garbage: string[] = [];
    for (const raw of lines) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line.trim() === '') continue;
      try {
        const value = JSON.parse(line) as { jsonrpc?: unknown };
        if (value && typeof value === 'object' && value.jsonrpc === '2.0') messages.push(value as JSONRPCMessage);
        else garbage.push(line);
      } catch {
        garbage.push(line);
      }
    }
    return { messages, garbage };
  }
}
