// JSONPath filters (`?(…)`) and scripts (`(…)`) are parsed and run by jsonpath-plus only when a path
// is evaluated, so a broken one would fail every request. Each is tried once at compile time instead.
import { JSONPath } from "jsonpath-plus";

/** Why the path can never be evaluated, or undefined when it can. */
export function filterProblem(path: string): string | undefined {
  let steps: string[];
  try {
    steps = JSONPath.toPathArray(path);
  } catch (e) {
    return (e as Error).message;
  }
  for (const step of steps) {
    if (!/^\??\(/.test(step)) continue;
    try {
      // One item without fields: enough to parse the expression and resolve every name in it.
      JSONPath({ path: `$[${step}]`, json: [{}], wrap: true });
    } catch (e) {
      const cause = (e as Error).cause;
      // Reading a field of an absent one depends on the data; at run time such an item just does not match.
      if (cause instanceof TypeError) continue;
      return `${step}: ${cause instanceof Error ? cause.message : (e as Error).message}`;
    }
  }
  return undefined;
}
