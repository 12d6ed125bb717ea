import { randomBytes } from "node:crypto";
import { MongoClient, type Db, type MongoClientOptions } from "mongodb";
import { it } from "vitest";

/**
 * The server the MongoDB suites run against, from `MONGODB_URL` (a real `mongod`, or the SecantusDB surrogate that
 * `.ci/mongodb.sh` starts). Unset: the suites report one skipped suite each, named with the reason.
 * @internal
 */
export const mongodbUrl: string | undefined = process.env.MONGODB_URL;

/** What the suites learn about the server before they run. @internal */
export interface TestServer {
  /** `SecantusDB 0.7.0b3` or `mongod`. */
  name: string;
  /** The MongoDB version it reports in `buildInfo`. */
  version: string;
  /** `hello.maxWireVersion`. */
  wireVersion: number;
}

/** Connects to `MONGODB_URL` and describes the server. @internal */
export async function describeServer(url: string): Promise<TestServer> {
  const client = await MongoClient.connect(url);
  try {
    const admin = client.db("admin");
    const build = await admin.command({ buildInfo: 1 });
    const hello = await admin.command({ hello: 1 });
    const secantus = typeof build.secantusVersion === "string" ? build.secantusVersion : undefined;
    return {
      name: secantus === undefined ? "mongod" : `SecantusDB ${secantus}`,
      version: String(build.version),
      wireVersion: Number(hello.maxWireVersion),
    };
  } finally {
    await client.close();
  }
}

/** Prints which server a suite runs against, or plainly that it is skipped and why. @internal */
export function announce(suite: string, server: TestServer | undefined): void {
  if (server === undefined) {
    console.info(`[mongodb suite] ${suite}: skipped, MONGODB_URL not set (MONGODB_URL=mongodb://127.0.0.1:27017/ pnpm test runs it)`);
    return;
  }
  console.info(`[mongodb suite] ${suite}: running against ${server.name} (reports MongoDB ${server.version}, wire version ${server.wireVersion})`);
}

/**
 * A client on a fresh, uniquely named database; `drop()` removes the database and closes the client. `beforeConnect`
 * sees the client first, to attach event listeners that must not miss the first connections.
 * @internal
 */
export async function freshDatabase(
  url: string,
  options: MongoClientOptions = {},
  beforeConnect?: (client: MongoClient) => void,
): Promise<{ client: MongoClient; db: Db; drop: () => Promise<void> }> {
  const client = new MongoClient(url, options);
  beforeConnect?.(client);
  await client.connect();
  const db = client.db(`atom_oauth_${randomBytes(4).toString("hex")}`);
  return {
    client,
    db,
    drop: async () => {
      await db.dropDatabase();
      await client.close();
    },
  };
}

/**
 * Registers a test that needs a server capability. When the server lacks it, the test is registered as skipped with
 * the reason in its name and the name is printed, so a case that cannot run is never passed silently.
 * @internal
 */
export function itWhen(supported: boolean, reason: string, name: string, fn: () => Promise<void>, timeout?: number): void {
  if (supported) {
    it(name, fn, timeout);
    return;
  }
  console.warn(`[mongodb suite] NOT RUN on this server: "${name}" (${reason})`);
  it.skip(`${name} [not run: ${reason}]`, fn);
}
