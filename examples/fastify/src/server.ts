import { createServices } from "@atom/example-shared";
import { startFastify } from "./app.js";

const services = await createServices();
const host = await startFastify(services, { port: Number(process.env.PORT ?? 3000) });
console.log(`Atom example (fastify) listening on ${host.url} (database: ${services.database})`);
const stop = async () => {
  await host.close();
  await services.close();
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
