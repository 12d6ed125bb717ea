import { createServices } from "@atom/example-shared";
import { startExpress } from "./app.js";

const services = await createServices();
const host = await startExpress(services, { port: Number(process.env.PORT ?? 3000) });
console.log(`Atom example (express) listening on ${host.url} (database: ${services.database})`);
const stop = async () => {
  await host.close();
  await services.close();
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
