/** An HTTP field name (RFC 9110 token). @internal */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** An HTTP field value Node can write: no CR, LF, NUL or other control character but tab. @internal */
export const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Headers that frame or encode a body: a route that set them and then failed (a `content-length` from a file's size,
 * a `content-encoding: gzip`) would frame or encode the error body wrongly, so the hosts remove them before sending it.
 * @internal
 */
export const BODY_HEADERS: readonly string[] = ["content-encoding", "content-range", "content-length", "transfer-encoding"];
