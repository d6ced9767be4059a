// deploy/ kept honest without a container engine or systemd: the configs there pass the proxy's own
// check, and the Dockerfile, compose file, load balancer, Prometheus config and systemd unit name the
// same ports, paths, services and secrets as each other and as the configs. The Dockerfile's health
// check is run as Docker would run it, against a real proxy.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix, resolve } from "node:path";
import { parse } from "yaml";
import { load } from "../src/cli/start.ts";
import { parseArgs } from "../src/cli/args.ts";
import { formatError } from "../src/config/yaml-source.ts";
import { startProxy, type Proxy } from "./support/proxy.ts";

const ROOT = join(import.meta.dir, "..");
const DEPLOY = join(ROOT, "deploy");
const read = (path: string) => readFileSync(join(DEPLOY, path), "utf8");
const tmp = mkdtempSync(join(tmpdir(), "ccproxy-deploy-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// ---- small readers for each file's format ----

/** Dockerfile instructions of the last stage (the image that runs), continuation lines joined */
function dockerfile(text: string): { stages: { from: string; lines: [string, string][] }[] } {
  const logical = text.replace(/\\\n/g, " ").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const stages: { from: string; lines: [string, string][] }[] = [];
  for (const line of logical) {
    const [, op, rest] = /^(\S+)\s+(.*)$/.exec(line)!;
    if (op!.toUpperCase() === "FROM") stages.push({ from: rest!, lines: [] });
    else stages.at(-1)!.lines.push([op!.toUpperCase(), rest!]);
  }
  return { stages };
}
const instructions = (stage: { lines: [string, string][] }, op: string) => stage.lines.filter(([o]) => o === op).map(([, rest]) => rest);

/** ENV K=V K=V, with double-quoted values */
function envOf(stage: { lines: [string, string][] }): Record<string, string> {
  const env: Record<string, string> = {};
  for (const rest of instructions(stage, "ENV"))
    for (const m of rest.matchAll(/(\w+)=("([^"]*)"|\S*)/g)) env[m[1]!] = m[3] ?? m[2]!;
  return env;
}

/** A systemd unit: section → key → every value given */
function unit(text: string): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  let section = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) out[(section = head[1]!)] ??= {};
    else {
      const eq = line.indexOf("=");
      ((out[section]![line.slice(0, eq)] ??= []) as string[]).push(line.slice(eq + 1));
    }
  }
  return out;
}

/** NAME=value lines, as both compose's .env and systemd's EnvironmentFile read them */
function envFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Za-z_]\w*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

/** A config's content, each ${NAME} read as the text "NAME" (the proxy puts values in after parsing) */
function configOf(path: string): any {
  return parse(read(path).replace(/(?<!\$)\$\{([A-Za-z_]\w*)(:-[^}]*)?\}/g, '"$1"'));
}

/** The ${NAME} variables a config reads ($${NAME} is literal text) */
function variables(text: string): string[] {
  const content = text.split("\n").filter((l) => !l.trim().startsWith("#")).join("\n");
  return [...content.matchAll(/(?<!\$)\$\{([A-Za-z_]\w*)(:-[^}]*)?\}/g)].map((m) => m[1]!);
}

const image = dockerfile(read("Dockerfile"));
const runStage = image.stages.at(-1)!;
const imageEnv = envOf(runStage);
const PORT = imageEnv.CCPROXY_PORT!;
const compose = parse(read("compose.yaml"), { merge: true }) as any;
const prometheus = parse(read("prometheus.yml")) as any;
const nginx = read("nginx.conf");
const service = unit(read("systemd/ccproxy.service"))["Service"]!;
const example = envFile(read("ccproxy.env.example"));
const replicas = Object.keys(compose.services).filter((name) => compose.services[name].build);

// ---- the configs pass `ccproxy check` ----

function check(file: string, env: Record<string, string>) {
  const loaded = load(parseArgs(["check", "--config", file]), env);
  return loaded.errors.map(formatError);
}

describe("the configs in deploy/ pass the proxy's own check", () => {
  test("the replicas' config, in the image's environment (every interface, the image's port) with the example's keys", () => {
    const file = join(DEPLOY, "ccproxy/config.yaml");
    const env = { ...example, CCPROXY_HOST: imageEnv.CCPROXY_HOST!, CCPROXY_PORT: PORT, HOME: imageEnv.HOME! };
    expect(check(file, env)).toEqual([]);
  });

  test("the systemd unit's config, with the example environment file", () => {
    expect(check(join(DEPLOY, "systemd/config.yaml"), { ...example, HOME: "/var/lib/ccproxy" })).toEqual([]);
  });

  test("every variable the configs read is in ccproxy.env.example, which compose and the unit both read", () => {
    for (const file of ["ccproxy/config.yaml", "systemd/config.yaml"])
      for (const name of variables(read(file))) expect(Object.keys(example)).toContain(name);
    expect(service.EnvironmentFile).toEqual(["/etc/ccproxy/ccproxy.env"]);
    for (const name of replicas) expect(compose.services[name].env_file).toBe(".env");
  });

  test("without access keys, the image's every-interface listen is refused rather than served open", () => {
    const env = { ...example, CCPROXY_KEY: "", CCPROXY_HOST: imageEnv.CCPROXY_HOST!, CCPROXY_PORT: PORT };
    expect(check(join(DEPLOY, "systemd/config.yaml"), env).join("\n")).toContain("requires accessKeys");
  });
});

// ---- the Dockerfile ----

describe("Dockerfile", () => {
  test("builds with the Bun version CI installs, and runs the executable as a user that is not root", () => {
    const ciBun = /BUN_VERSION=(\S+)/.exec(readFileSync(join(ROOT, ".ci/run"), "utf8"))![1];
    expect(instructions(image.stages[0]!, "RUN")).toContain(`npm install -g bun@${ciBun}`);
    expect(instructions(image.stages[0]!, "RUN").some((r) => r.startsWith("bun run build.ts "))).toBe(true);
    const user = instructions(runStage, "USER");
    expect(user).toHaveLength(1);
    expect(user[0]).not.toMatch(/^(root|0)(:|$)/);
    expect(instructions(runStage, "ENTRYPOINT")).toEqual(['["ccproxy"]']);
  });

  test("the port it exposes is the one it listens on; the config is read from a mounted folder", () => {
    expect(instructions(runStage, "EXPOSE")).toEqual([PORT]);
    expect(posix.dirname(imageEnv.CCPROXY_CONFIG!)).toBe("/etc/ccproxy");
    expect(instructions(runStage, "VOLUME")).toEqual([imageEnv.HOME!]);
  });

  test("the build context sends only what build.ts compiles", () => {
    const ignore = read("Dockerfile.dockerignore").split("\n").filter((l) => l && !l.startsWith("#"));
    expect(ignore[0]).toBe("*");
    const copied = instructions(image.stages[0]!, "COPY").flatMap((c) => c.split(/\s+/).slice(0, -1));
    for (const path of copied) expect(ignore).toContain(statSync(join(ROOT, path)).isDirectory() ? `!${path}/` : `!${path}`);
  });

  describe("HEALTHCHECK, run as Docker runs it (sh -c) against a proxy with access keys", () => {
    let proxy: Proxy;
    beforeAll(async () => {
      proxy = await startProxy({ accessKeys: ["k-deploy"], providers: {} });
    });
    afterAll(() => proxy.close());
    const command = instructions(runStage, "HEALTHCHECK")[0]!.replace(/^.*?\bCMD\s+/, "");
    // Not spawnSync: the proxy answers from this very thread.
    const run = (port: number) => Bun.spawn(["sh", "-c", command], { env: { PATH: process.env.PATH!, CCPROXY_PORT: String(port) }, stderr: "ignore", timeout: 10_000 }).exited;

    test("asks /health, which needs no key, and passes when the proxy answers", async () => {
      expect(command).toContain("GET /health ");
      expect(await run(proxy.port)).toBe(0);
    });

    test("fails when nothing listens there", async () => {
      const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
      const port = closed.port!;
      await closed.stop(true);
      expect(await run(port)).not.toBe(0);
    });
  });
});

// ---- compose.yaml, nginx.conf, prometheus.yml ----

describe("compose.yaml", () => {
  test("two replicas of the image this Dockerfile builds, each with the config folder and a log volume of its own", () => {
    expect(replicas).toEqual(["ccproxy-1", "ccproxy-2"]);
    const logs = new Set<string>();
    for (const name of replicas) {
      const s = compose.services[name];
      expect(resolve(DEPLOY, s.build.context, s.build.dockerfile)).toBe(join(DEPLOY, "Dockerfile"));
      const mounts = (s.volumes as string[]).map((v) => v.split(":"));
      expect(mounts).toContainEqual(["./ccproxy", posix.dirname(imageEnv.CCPROXY_CONFIG!), "ro"]);
      expect(existsSync(join(DEPLOY, "ccproxy", posix.basename(imageEnv.CCPROXY_CONFIG!)))).toBe(true);
      const log = mounts.find(([, target]) => target === imageEnv.HOME);
      expect(log).toBeDefined();
      logs.add(log![0]!);
      expect(compose.volumes).toHaveProperty(log![0]!);
    }
    expect(logs.size).toBe(replicas.length);
    // The replicas' config writes its log inside that volume.
    const config = configOf("ccproxy/config.yaml");
    expect(posix.dirname(config.logging.path)).toBe(imageEnv.HOME);
  });

  test("the config's redis URL names the compose service that runs Redis, on Redis's port", () => {
    const url = new URL(configOf("ccproxy/config.yaml").redis.url);
    expect(url.protocol).toBe("redis:");
    expect(compose.services[url.hostname].image).toMatch(/^(redis|valkey\/valkey):/);
    expect(url.port).toBe("6379");
  });

  test("the load balancer publishes the proxy's port and sends to every replica there", () => {
    const lb = compose.services.lb;
    expect(lb.ports).toEqual([`${PORT}:${PORT}`]);
    expect(lb.volumes).toContain("./nginx.conf:/etc/nginx/nginx.conf:ro");
    expect(nginx).toContain(`listen ${PORT};`);
    const servers = [...nginx.matchAll(/^\s*server\s+([\w.-]+:\d+)/gm)].map((m) => m[1]);
    expect(servers).toEqual(replicas.map((r) => `${r}:${PORT}`));
    for (const name of replicas) expect(lb.depends_on[name]).toEqual({ condition: "service_healthy" });
  });
});

describe("prometheus.yml", () => {
  test("scrapes /metrics on both replicas, with the access key as a bearer token from the compose secret", () => {
    const [job, ...others] = prometheus.scrape_configs;
    expect(others).toEqual([]);
    expect(job.metrics_path).toBe("/metrics");
    expect(job.scheme).toBe("http");
    expect(job.static_configs.flatMap((s: { targets: string[] }) => s.targets)).toEqual(replicas.map((r) => `${r}:${PORT}`));
    expect(job.authorization.type).toBe("Bearer");

    const secret = /^\/run\/secrets\/(\w+)$/.exec(job.authorization.credentials_file)![1]!;
    const p = compose.services.prometheus;
    expect(p.secrets).toContain(secret);
    expect(p.volumes).toContain("./prometheus.yml:/etc/prometheus/prometheus.yml:ro");
    // The secret holds the very key the replicas take: their config's access key variable.
    const keyVar = variables(read("ccproxy/config.yaml").match(/^accessKeys:.*$/m)![0]);
    expect(compose.secrets[secret]).toEqual({ environment: keyVar[0] });
  });
});

// ---- the systemd unit ----

describe("systemd unit", () => {
  const config = configOf("systemd/config.yaml");

  test("runs the executable as its own user on the config it is installed with; SIGHUP reloads; restarts on failure", () => {
    expect(service.ExecStart).toEqual(["/usr/local/bin/ccproxy serve --config /etc/ccproxy/config.yaml"]);
    expect(read("systemd/ccproxy.service")).toContain("deploy/systemd/config.yaml /etc/ccproxy/config.yaml");
    expect(service.ExecReload).toEqual(["/bin/kill -HUP $MAINPID"]);
    expect(service.Restart).toEqual(["on-failure"]);
    const [kind, user, , , home] = read("systemd/ccproxy.sysusers").split("\n").find((l) => l.startsWith("u "))!.match(/"[^"]*"|\S+/g)!;
    expect(kind).toBe("u");
    expect(service.User).toEqual([user]);
    expect(home).toBe(`/var/lib/${service.StateDirectory![0]}`);
    expect(posix.dirname(config.logging.path)).toBe(home);
  });

  test("hardened, without the option Bun's JIT cannot run under", () => {
    for (const [key, value] of Object.entries({ NoNewPrivileges: "yes", ProtectSystem: "strict", ProtectHome: "yes", PrivateTmp: "yes", CapabilityBoundingSet: "" }))
      expect(service[key]).toEqual([value]);
    expect(service.SystemCallFilter).toContain("@system-service");
    expect(service.MemoryDenyWriteExecute).toBeUndefined();
  });

  test("every file the install steps name exists", () => {
    const named = [...read("systemd/ccproxy.service").matchAll(/\b(deploy\/\S+)/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(0);
    for (const path of named) expect(existsSync(join(ROOT, path))).toBe(true);
  });

  // systemd-analyze verify also wants ExecStart's program to exist: a copy names this test's Bun instead.
  test.skipIf(!Bun.which("systemd-analyze"))("systemd-analyze verify finds nothing to say", () => {
    const dir = mkdtempSync(join(tmp, "unit-"));
    const copy = join(dir, "ccproxy.service");
    writeFileSync(copy, read("systemd/ccproxy.service").replace("ExecStart=/usr/local/bin/ccproxy", `ExecStart=${process.execPath}`));
    const r = Bun.spawnSync(["systemd-analyze", "verify", copy], { env: { PATH: process.env.PATH!, SYSTEMD_LOG_COLOR: "0" } });
    expect(r.stderr.toString()).toBe("");
    expect(r.exitCode).toBe(0);
  });
});

test("docs/scaling.md names the files it describes, and they exist", () => {
  const doc = readFileSync(join(ROOT, "docs/scaling.md"), "utf8");
  const named = [...doc.matchAll(/\]\((\.\.\/[^)#\s]+)/g)].map((m) => resolve(join(ROOT, "docs"), m[1]!));
  expect(named.length).toBeGreaterThan(0);
  for (const path of named) expect(existsSync(path)).toBe(true);
});
