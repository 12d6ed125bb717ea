#!/usr/bin/env node
/**
 * `atom-migrate`: applies, lists and prints the migrations of every installed Atom package (see `atom-migrate --help`).
 * @internal
 * @packageDocumentation
 */
import { runCli } from "./cli/main.js";

void runCli(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
}).then((code) => {
  process.exitCode = code;
});
