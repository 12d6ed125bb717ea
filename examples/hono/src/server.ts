import { createServices } from "@atom/example-shared";
import { startHono } from "./app.js";

const services = await createServices();
const host = await startHono(services, { port: Number(process.env.PORT ?? 3000) });
console.log(`Atom example (hono) listening on ${host.url} (database: ${services.database})`);
const stop = async () => {
  await host.close();
  await services.close();
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
