import { describe, expect, test } from "bun:test";
import { ConnectTimeout, originOf, proxied, watchConnect, WARM_MS } from "./connect.ts";

describe("origins", () => {
  test("parsed once per baseUrl; baseUrls on one host:port share an origin; default ports by scheme", () => {
    const a = originOf("https://api.example.com/v1");
    expect(a).toMatchObject({ host: "api.example.com", port: 443, answeredAt: 0 });
    expect(originOf("https://api.example.com/v1")).toBe(a);
    expect(originOf("https://api.example.com:443/other")).toBe(a);
    expect(originOf("http://api.example.com")).toMatchObject({ port: 80 });
    expect(originOf("http://[::1]:11434")).toMatchObject({ host: "::1", port: 11434 });
  });
});

describe("the connect watch", () => {
  test("an origin that answered lately is not watched, nor one reached through a proxy", () => {
    const o = { host: "127.0.0.1", port: 9, answeredAt: Date.now() - 1000, proxied: false };
    expect(watchConnect(o, 50, new AbortController())).toBeUndefined();
    expect(watchConnect({ ...o, answeredAt: 0, proxied: true }, 50, new AbortController())).toBeUndefined();
  });

  test("a cold origin that connects is not aborted, however long its answer takes", async () => {
    const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const abort = new AbortController();
    const o = { host: "127.0.0.1", port: server.port, answeredAt: Date.now() - WARM_MS - 1, proxied: false };
    const watch = watchConnect(o, 50, abort);
    expect(watch).toBeDefined();
    await Bun.sleep(200);
    expect(abort.signal.aborted).toBe(false);
    watch!.stop();
    server.stop(true);
  });

  test("a refused connect is left to the fetch to report", async () => {
    const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = server.port;
    server.stop(true);
    const abort = new AbortController();
    watchConnect({ host: "127.0.0.1", port, answeredAt: 0, proxied: false }, 50, abort);
    await Bun.sleep(200);
    expect(abort.signal.aborted).toBe(false);
  });

  test("stopped before the timeout (the fetch has headers), it never aborts", async () => {
    const abort = new AbortController();
    watchConnect({ host: "127.0.0.1", port: 9, answeredAt: 0, proxied: false }, 30, abort)!.stop();
    await Bun.sleep(100);
    expect(abort.signal.aborted).toBe(false);
  });

  test("the abort's reason names the origin and the time", () => {
    const e = new ConnectTimeout({ host: "10.0.0.1", port: 443, answeredAt: 0, proxied: false }, 250);
    expect(e.message).toBe("cannot connect to upstream 10.0.0.1:443 within 250 ms");
  });
});

describe("proxies from the environment", () => {
  const url = (u: string) => new URL(u);
  test("none set: direct", () => {
    expect(proxied(url("https://api.example.com"), {})).toBe(false);
  });
  test("HTTPS_PROXY for https, HTTP_PROXY for either (taken as applying when unsure)", () => {
    expect(proxied(url("https://api.example.com"), { HTTPS_PROXY: "http://p:3128" })).toBe(true);
    expect(proxied(url("http://api.example.com"), { HTTPS_PROXY: "http://p:3128" })).toBe(false);
    expect(proxied(url("http://api.example.com"), { http_proxy: "http://p:3128" })).toBe(true);
    expect(proxied(url("https://api.example.com"), { HTTP_PROXY: "http://p:3128" })).toBe(true);
  });
  test("NO_PROXY: exact host, domain suffix, port, *", () => {
    const env = (no: string) => ({ HTTPS_PROXY: "http://p:3128", NO_PROXY: no });
    expect(proxied(url("https://api.example.com"), env("api.example.com"))).toBe(false);
    expect(proxied(url("https://api.example.com"), env("localhost, .example.com"))).toBe(false);
    expect(proxied(url("https://api.example.com"), env("*.example.com"))).toBe(false);
    expect(proxied(url("https://api.example.com"), env("example.com:443"))).toBe(false);
    expect(proxied(url("https://api.example.com"), env("example.com:8443"))).toBe(true);
    expect(proxied(url("https://api.example.com"), env("notexample.com"))).toBe(true);
    expect(proxied(url("https://api.example.com"), env("*"))).toBe(false);
  });
});
