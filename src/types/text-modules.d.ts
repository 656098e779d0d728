/**
 * Text modules: wrangler.toml's `[[rules]] type = "Text"` makes `import x from "./file.txt"`
 * the file's contents as a string (in `wrangler dev`, `wrangler deploy` and the Workers
 * Vitest pool, which reads the same rules from the wrangler configuration).
 */
declare module "*.txt" {
  const text: string;
  export default text;
}
