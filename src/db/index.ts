export { openDatabase, type Database, type DatabaseHandle, type DatabaseOptions } from "./client";
export * as schema from "./schema";
