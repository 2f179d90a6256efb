// The benchmark's upstream: a minimal MCP server written the way the SDK's examples write
// one (low-level Server, stock transports, default options), so "direct" measures a stock
// SDK endpoint. Tools: `echo {text}` and N generated tools `extra_0000`...
//   node --import tsx bench/fixture.ts [--extra-tools N]            stdio; exits on stdin EOF
//   node --import tsx bench/fixture.ts --http [--extra-tools N]     Streamable HTTP at
//     http://127.0.0.1:<free port>/mcp (stateful, one Server per session, SSE responses as
//     the SDK defaults to), printing `LISTENING <port>`; stops on SIGTERM.
//   node --import tsx bench/fixture.ts --http --modern                  the same tools at MCP
//     2026-07-28 only, stateless: SDK v2's `createMcpHandler` (one Server per request, JSON
//     answers, its default), on node:http.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';

const { values } = parseArgs({ options: { http: { type: 'boolean' }, modern: { type: 'boolean' }, 'extra-tools': { type: 'string' } } });
const extra = Number(values['extra-tools'] ?? 0);

const tools: Tool[] = [
  {
    name: 'echo',
    description: 'Returns its text',
    inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  },
  ...Array.from({ length: extra }, (_, i): Tool => ({
    name: `extra_${String(i).padStart(4, '0')}`,
    description: `Generated tool number ${i}`,
    inputSchema: { type: 'object', properties: { value: { type: 'string', description: 'Any text' } } },
  })),
];

function createMcpServer(): Server {
  const server = new Server({ name: 'bench-fixture', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
  server.setRequestHandler(CallToolRequestSchema, async (req) => {
    const { name, arguments: args = {} } = req.params;
    if (name === 'echo') return { content: [{ type: 'text', text: String(args.text) }] };
    if (tools.some((t) => t.name === name)) return { content: [{ type: 'text', text: `${name}:${String(args.value ?? '')}` }] };
    return { content: [{ type: 'text', text: `unknown tool ${name}` }], isError: true };
  });
  return server;
}

/** The modern endpoint: node:http to a web Request, through the SDK's handler, and back. */
async function serveModern(): Promise<void> {
  const { Server: ServerV2, createMcpHandler } = await import('@modelcontextprotocol/server');
  const handler = createMcpHandler(
    () => {
      const server = new ServerV2({ name: 'bench-fixture', version: '1.0.0' }, { capabilities: { tools: {} } });
      server.setRequestHandler('tools/list', async () => ({ tools }) as never);
      server.setRequestHandler('tools/call', async (req) => {
        const { name, arguments: args = {} } = req.params;
        if (name === 'echo') return { content: [{ type: 'text', text: String(args.text) }] };
        return { content: [{ type: 'text', text: `${name}:${String(args.value ?? '')}` }] };
      });
      return server;
    },
    { legacy: 'reject' },
  );
  const http = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const body = req.method === 'POST' ? Buffer.concat(chunks).toString('utf8') : undefined;
    const response = await handler.fetch(new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers, body }));
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  process.once('SIGTERM', () => {
    http.closeAllConnections();
    http.close(() => process.exit(0));
  });
  http.listen(0, '127.0.0.1', () => process.stdout.write(`LISTENING ${(http.address() as AddressInfo).port}\n`));
}

if (values.modern) {
  await serveModern();
} else if (!values.http) {
  const server = createMcpServer();
  await server.connect(new StdioServerTransport());
  process.stdin.on('end', () => void server.close().finally(() => process.exit(0)));
} else {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const http = createServer((req, res) => {
    if (req.url !== '/mcp') return void res.writeHead(404).end();
    const id = req.headers['mcp-session-id'];
    const known = typeof id === 'string' ? sessions.get(id) : undefined;
    if (known) return void known.handleRequest(req, res);
    if (typeof id === 'string') return void res.writeHead(404).end();
    // No session yet: the transport answers 400 unless this is an initialize request.
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sid) => void sessions.set(sid, transport),
    });
    transport.onclose = () => void (transport.sessionId && sessions.delete(transport.sessionId));
    const server = createMcpServer();
    void server.connect(transport).then(async () => {
      await transport.handleRequest(req, res);
      if (!transport.sessionId) await server.close();
    });
  });
  process.once('SIGTERM', () => {
    http.closeAllConnections();
    http.close(() => process.exit(0));
  });
  http.listen(0, '127.0.0.1', () => process.stdout.write(`LISTENING ${(http.address() as AddressInfo).port}\n`));
}
