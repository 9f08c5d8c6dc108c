/** The largest request body read: JSON and form bodies, and what POST /echo sends back (Nest's default, 100 KiB). */
export const BODY_LIMIT_BYTES = 100 * 1024;
