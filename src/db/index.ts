export { openDatabase, type Database, type DatabaseHandle } from "./client";
export * as schema from "./schema";
