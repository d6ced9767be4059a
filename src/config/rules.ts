// `when` rules compiled once, at start-up, into one plain function per model entry: each rule is a
// list of closures over its trait values, so a request runs tests, never reads config objects.
import { DEFAULT_BACKGROUND, RULE_TRAITS, thinkingRank, type ModelRoute, type Rule, type RuleInput, type RulePick } from "./schema.ts";

type Test = (x: RuleInput) => boolean;

/** The label a rule's hits are logged and counted under */
export const ruleLabel = (pattern: string, i: number): string => `${pattern}#${i + 1}`;

/**
 * The entry's rules as one function. `routes` are the scope's compiled entries: a rule's `use` names
 * one of them by pattern; a rule naming none is skipped here (the loader refuses such a config).
 */
export function compileRules(
  pattern: string,
  rules: readonly Rule[],
  routes: readonly ModelRoute[],
  glob: (g: string) => RegExp,
): { pick: RulePick; labels: string[] } {
  const compiled: { tests: Test[]; hit: { label: string; scope: readonly ModelRoute[] } }[] = [];
  const labels: string[] = [];
  rules.forEach((rule, i) => {
    const target = routes.find((r) => r.pattern === rule.use);
    if (!target) return;
    const label = ruleLabel(pattern, i);
    labels.push(label);
    // The `use` entry's targets, matched by any name: the client's model name still fills a "*".
    // It keeps the entry's own shaping; its rules are not followed again.
    const scope: ModelRoute[] = [{ pattern: target.pattern, match: /^(.*)$/s, targets: target.targets, toolCompat: target.toolCompat, shape: target.shape }];
    compiled.push({ tests: RULE_TRAITS.flatMap((t) => (rule[t] === undefined ? [] : [traitTest(t, rule, glob)])), hit: { label, scope } });
  });
  const pick: RulePick = (x) => {
    outer: for (const r of compiled) {
      for (const t of r.tests) if (!t(x)) continue outer;
      return r.hit;
    }
    return undefined;
  };
  return { pick, labels };
}

function traitTest(trait: (typeof RULE_TRAITS)[number], rule: Rule, glob: (g: string) => RegExp): Test {
  switch (trait) {
    case "background": {
      const want = rule.background!;
      const match = glob(typeof want === "string" ? want : DEFAULT_BACKGROUND);
      return want === false ? (x) => !match.test(x.model) : (x) => match.test(x.model);
    }
    case "thinking": {
      const want = rule.thinking!;
      if (want === false) return (x) => x.thinking < 0;
      const least = thinkingRank(want);
      return (x) => x.thinking >= least;
    }
    case "longContext": {
      const above = rule.longContext!;
      return (x) => x.inputTokens() > above;
    }
    case "images": {
      const want = rule.images!;
      return (x) => x.images() === want;
    }
    case "tools": {
      const want = rule.tools!;
      if (typeof want === "boolean") return (x) => x.tools.length > 0 === want;
      const names = want.map(glob);
      return (x) => x.tools.some((t) => names.some((n) => n.test(t.name)));
    }
    case "webSearch": {
      const want = rule.webSearch!;
      return (x) => x.webSearch() === want;
    }
    case "header": {
      const wanted = Object.entries(rule.header!).map(([name, value]) => [name.toLowerCase(), glob(value)] as const);
      return (x) =>
        wanted.every(([name, match]) => {
          const v = x.headers.get(name);
          return v !== null && match.test(v);
        });
    }
  }
}
