// One log row per request for the routes that do not log themselves (chat requests do, attempt by
// attempt): token counts, model lists and model details.
import { beginTrace, type Engine, type Call } from "../convert/engine.ts";

export type Handler = (engine: Engine, call: Call) => Promise<Response> | Response;

export function logged(handle: Handler): Handler {
  return async (engine, call) => {
    const trace = beginTrace(engine, call);
    const res = await handle(engine, call);
    trace?.answered(res);
    return res;
  };
}
