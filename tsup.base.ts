import { defineConfig, type Options } from "tsup";

/**
 * The build every Atom package shares: ESM and CJS with type declarations and source maps for Node 20, shared
 * chunks between entries (so an ESM/CJS pair never holds two copies of a class), one entry per subpath export.
 */
export function packageBuild(entry: NonNullable<Options["entry"]>, extra: Options = {}) {
  return defineConfig({
    entry,
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
    splitting: true,
    treeshake: true,
    ...extra,
  });
}
