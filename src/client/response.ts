/** Reading an answer: a bounded body and the fields of a problem+json document. */
import type { ProblemDetails } from './types.js';

/** Reads at most `maxBytes` of a body stream; the rest is discarded and the stream destroyed. */
export async function readBody(stream: AsyncIterable<unknown> & { destroy(error?: Error): unknown }, maxBytes: number): Promise<{ text: string; bytes: number; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  let truncated = false;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
    const room = maxBytes - bytes;
    if (buffer.length > room) {
      chunks.push(buffer.subarray(0, room));
      bytes += room;
      truncated = true;
      stream.destroy();
      break;
    }
    chunks.push(buffer);
    bytes += buffer.length;
  }
  return { text: new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks, bytes)), bytes, truncated };
}

/** The RFC 9457 fields (plus certgate's `code`) of a parsed problem document; wrong types are dropped. */
export function parseProblem(json: unknown): ProblemDetails | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const record = json as Record<string, unknown>;
  const text = (field: string): string | undefined => {
    const value = Object.hasOwn(record, field) ? record[field] : undefined;
    return typeof value === 'string' ? value.slice(0, 2000) : undefined;
  };
  const status = Object.hasOwn(record, 'status') ? record['status'] : undefined;
  const problem: { -readonly [K in keyof ProblemDetails]: ProblemDetails[K] } = {};
  const type = text('type');
  const title = text('title');
  const detail = text('detail');
  const code = text('code');
  const instance = text('instance');
  if (type !== undefined) problem.type = type;
  if (title !== undefined) problem.title = title;
  if (typeof status === 'number' && Number.isInteger(status)) problem.status = status;
  if (detail !== undefined) problem.detail = detail;
  if (code !== undefined) problem.code = code;
  if (instance !== undefined) problem.instance = instance;
  return problem;
}

/** "CODE: title (detail)" for tables and messages. */
export function problemReason(problem: ProblemDetails | undefined): string | undefined {
  if (problem === undefined) return undefined;
  const head = [problem.code, problem.title].filter((part): part is string => part !== undefined && part !== '').join(': ');
  const detail = problem.detail !== undefined && problem.detail !== '' ? problem.detail : undefined;
  if (head === '') return detail;
  return detail === undefined ? head : `${head} (${detail})`;
}
