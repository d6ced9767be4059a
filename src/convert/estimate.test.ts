import { expect, test } from "bun:test";
import { estimateInputTokens } from "./estimate.ts";
import type { Request } from "../unified/index.ts";

const text = (t: string): Request => ({ model: "m", messages: [{ role: "user", content: [{ type: "text", text: t }] }] });

test("about four characters of the upstream body a token", () => {
  expect(estimateInputTokens(4000, text("x".repeat(3900)))).toBe(1000);
  expect(estimateInputTokens(0, text(""))).toBe(1);
});

test("an image is priced per image, not by its base64 length (in a message or a tool result)", () => {
  const data = "A".repeat(100_000);
  const req: Request = {
    model: "m",
    messages: [
      { role: "user", content: [{ type: "image", data, mediaType: "image/png" }] },
      { role: "user", content: [{ type: "tool_result", id: "t", content: [{ type: "image", data, mediaType: "image/png" }] }] },
    ],
  };
  expect(estimateInputTokens(200_400, req)).toBe(100 + 2 * 1600);
});
