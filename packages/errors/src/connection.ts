/**
 * When an error response must close the connection. A `413` is sent before the request body has been read; on
 * HTTP/1.x the unread bytes are still on the socket, so reusing it would mix them into the next request (Node and
 * `@hono/node-server` then close it mid-flight and the client's next request fails with "other side closed").
 * RFC 9110 §15.5.14 lets the server close the connection; we say so with `Connection: close` so keep-alive
 * clients open a fresh one. HTTP/2 forbids the header and resets the stream instead, so it is never set there.
 */
export function closesConnection(status: number, httpVersionMajor: number | undefined): boolean {
  return status === 413 && httpVersionMajor === 1;
}
