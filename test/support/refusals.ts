// A client's mistakes as the proxy must answer them in OpenAI's shape: each body a 400
// `invalid_request_error` whose message names the field at fault.
import { expect } from "bun:test";

export async function expectFieldRefusals(post: (body: unknown) => Promise<Response>, cases: readonly (readonly [unknown, string])[]): Promise<void> {
  for (const [body, field] of cases) {
    const r = await post(body);
    expect({ field, status: r.status }).toEqual({ field, status: 400 });
    const e = ((await r.json()) as any).error;
    expect(e.type).toBe("invalid_request_error");
    expect(e.message).toContain(field);
  }
}
