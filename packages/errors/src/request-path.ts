/**
 * The path of a request target as the client sent it (percent-encoded), without its query: `/users/7?x=1` →
 * `/users/7`. Every host reports this one form, in `instance` and in the not-found message.
 * @internal
 */
export function pathOf(target: string): string {
  const query = target.indexOf("?");
  return query === -1 ? target : target.slice(0, query);
}
