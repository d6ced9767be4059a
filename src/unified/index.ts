export * from "./request.ts";
export * from "./response.ts";
export * from "./stream.ts";
export * from "./embed.ts";
