// `${NAME}` interpolation over the raw config text, before YAML parsing, so a variable may stand
// anywhere (inside a list, a URL, a key). Lines are kept intact so later errors still point right.

export interface MissingVar {
  name: string;
  line: number;
}

// $${NAME} is the escape; ${NAME:-default} allows the variable to be unset (default may be empty).
const VAR = /(\$?)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}\n]*))?\}/g;

// A whole-line comment is left alone: commented-out lines often name variables that are not set.
const COMMENT_LINE = /^\s*#/;

export function interpolate(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): { text: string; missing: MissingVar[] } {
  const missing: MissingVar[] = [];
  const lines = text.split("\n").map((line, i) => {
    if (COMMENT_LINE.test(line) || !line.includes("${")) return line;
    return line.replace(VAR, (whole, escape: string, name: string, fallback: string | undefined) => {
      if (escape) return whole.slice(1);
      const value = env[name];
      // Like the shell: `:-` also covers a variable that is set but empty.
      if (fallback !== undefined) return value ? value : fallback;
      if (value === undefined) {
        missing.push({ name, line: i + 1 });
        return name; // a plain word keeps the YAML parseable, so the other errors still show

      }
      return value;
    });
  });
  return { text: lines.join("\n"), missing };
}

export function missingMessage(name: string): string {
  return `environment variable ${name} is not set (write \${${name}:-} to allow it to be empty)`;
}
