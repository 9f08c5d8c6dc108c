/**
 * Every top-level JSON object in a text where several writers share one stream: a service's log
 * line can follow a curl answer on the same line, since curl prints no newline after the body.
 */
export function jsonObjectsIn(text: string): unknown[] {
  const objects: unknown[] = [];
  let start = -1;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i += 1;
      else if (char === '"') inString = false;
    } else if (char === '"' && depth > 0) {
      inString = true;
    } else if (char === '{') {
      if (depth === 0) start = i;
      depth += 1;
    } else if (char === '}' && depth > 0) {
      depth -= 1;
      if (depth === 0) objects.push(parseOrSkip(text.slice(start, i + 1)));
    }
  }
  return objects.filter((o) => o !== undefined);
}

function parseOrSkip(candidate: string): unknown {
  try {
    return JSON.parse(candidate) as unknown;
  } catch {
    return undefined;
  }
}
