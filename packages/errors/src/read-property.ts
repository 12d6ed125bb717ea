/**
 * Reads `object[key]` the way the error handlers read errors built by other libraries.
 *
 * Some libraries build errors that V8 keeps in dictionary mode, each with a map of its own (http-errors, whose
 * errors every Express and Fastify app throws). A plain `error.status` on such objects misses V8's inline caches and
 * costs about ten times a keyed lookup (`Reflect.get`), which has a fast path for dictionary objects. The error path
 * reads a dozen such properties per request, so every read of a foreign error goes through here.
 * Getters and inherited properties behave exactly as with `object[key]`.
 * @internal
 */
export function readProperty(object: object, key: string): unknown {
  return Reflect.get(object, key);
}
