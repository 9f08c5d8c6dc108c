/** Request bodies are never used; JSON and form bodies up to this size are parsed (Nest's default, 100 KiB). */
export const BODY_LIMIT_BYTES = 100 * 1024;
