/** The methods the service answers on its routes (HEAD by the GET handler, without a body). */
export const ALLOWED_METHODS = 'GET, HEAD, OPTIONS';
