/**
 * What the two HTTP links to a remote MCP server share: the `text/event-stream` reader (the
 * Streamable HTTP link reads its POST and GET streams with it, the HTTP+SSE link its one stream),
 * and the error a request gets when the stream that was to carry its answer ends first.
 */

/** A `content-type` header's media type, lower case (`text/event-stream; charset=utf-8` → `text/event-stream`). */
export const mediaType = (ct: string | null): string => (ct ?? '').split(';')[0]!.trim().toLowerCase();

/** Minimal `text/event-stream` reader: calls `onEvent(event, data)` for each dispatched event. */
export async function readEventStream(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: string, data: string, id: string | null) => void,
): Promise<void> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  let data: string[] = [];
  let event = '';
  let id: string | null = null;
  const line = (l: string) => {
    if (l === '') {
      if (data.length) onEvent(event || 'message', data.join('\n'), id);
      data = [];
      event = '';
      return;
    }
    if (l.startsWith(':')) return;
    const i = l.indexOf(':');
    const field = i < 0 ? l : l.slice(0, i);
    let value = i < 0 ? '' : l.slice(i + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') id = value;
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let nl: number;
    while ((nl = buf.search(/\r\n|\r|\n/)) >= 0) {
      const len = buf[nl] === '\r' && buf[nl + 1] === '\n' ? 2 : 1;
      line(buf.slice(0, nl));
      buf = buf.slice(nl + len);
    }
  }
  if (buf) line(buf);
  line('');
}

/** The answer, on the server's side, to a request (`idJson`: its id as JSON text) whose stream ended before its answer came. */
export const streamEndedAnswer = (idJson: string): string =>
  `{"jsonrpc":"2.0","id":${idJson},"error":${JSON.stringify({ code: -32603, message: 'the remote MCP server closed the stream before answering' })}}`;
