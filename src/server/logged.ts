// One log row per request for the routes that do not log themselves (chat requests do, attempt by
// attempt): token counts, model lists and model details.
import type { Engine, ChatCall } from "../convert/pipeline.ts";

export type Handler = (engine: Engine, call: ChatCall) => Promise<Response> | Response;

export function logged(handle: Handler): Handler {
  return async (engine, call) => {
    const { client, body, raw, headers, path, group } = call; // not a spread: that would read the lazy signal
    const trace = engine.log?.begin({ client, body, raw, headers, path, group, model: call.route?.model });
    const res = await handle(engine, call);
    trace?.answered(res);
    return res;
  };
}
