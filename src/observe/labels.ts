/**
 * Bounded label values (issue 17: a misbehaving upstream with thousands of tool names must
 * not grow /metrics without end). Per key (a configured server name), the first `max`
 * distinct values keep their name; every later one is counted as `other`, and the first
 * overflow of each key is reported once.
 */
export class LabelCap {
  private readonly seen = new Map<string, Set<string>>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly max: number,
    private readonly overflow: (key: string, max: number) => void,
  ) {}

  value(key: string, value: string): string {
    let values = this.seen.get(key);
    if (!values) this.seen.set(key, (values = new Set()));
    if (values.has(value)) return value;
    if (values.size < this.max) {
      values.add(value);
      return value;
    }
    if (!this.warned.has(key)) {
      this.warned.add(key);
      this.overflow(key, this.max);
    }
    return 'other';
  }
}

/** The `gen_ai_tool_name` of a request: the tool of a tools/call, else empty. */
export function toolName(method: string, params: Record<string, unknown> | undefined): string {
  if (method !== 'tools/call') return '';
  const name = params?.name;
  return typeof name === 'string' ? name : '';
}
