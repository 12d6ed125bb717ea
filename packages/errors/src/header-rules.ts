/** An HTTP field name (RFC 9110 token). @internal */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** An HTTP field value Node can write: no CR, LF, NUL or other control character but tab. @internal */
export const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
