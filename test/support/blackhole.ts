// A local address whose TCP connects hang, as a black-holed upstream's do: a socket that listens
// with a backlog of 0 and never accepts, its one queue place taken, so the kernel drops every
// further SYN and a connect waits in SYN-SENT. Made with libc through bun:ffi, because Bun's own
// listeners accept at once. (Non-routable addresses are no substitute: sandboxes and CI networks
// answer or refuse them.) Linux and macOS.
import { dlopen, FFIType, ptr } from "bun:ffi";
import { connect, type Socket } from "node:net";

export interface BlackHole {
  url: string;
  port: number;
  close(): void;
}

export async function blackHole(): Promise<BlackHole> {
  const darwin = process.platform === "darwin";
  const libc = dlopen(darwin ? "libc.dylib" : "libc.so.6", {
    socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    bind: { args: [FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
    listen: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    getsockname: { args: [FFIType.i32, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
  });
  const { socket, bind, listen, getsockname, close } = libc.symbols;
  const AF_INET = 2;
  const SOCK_STREAM = 1;
  // struct sockaddr_in: family (macOS: length byte, family byte), port (network order), 127.0.0.1
  const addr = new Uint8Array(16);
  const view = new DataView(addr.buffer);
  if (darwin) (addr[0] = 16), (addr[1] = AF_INET);
  else view.setUint16(0, AF_INET, true);
  addr.set([127, 0, 0, 1], 4);
  const fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || bind(fd, ptr(addr), 16) !== 0 || listen(fd, 0) !== 0 || getsockname(fd, ptr(addr), ptr(new Uint32Array([16]))) !== 0)
    throw new Error("blackHole: cannot make a listening socket");
  const port = view.getUint16(2, false);
  const shut = (...sockets: Socket[]) => {
    for (const s of sockets) s.destroy();
    close(fd);
    libc.close();
  };

  // The one connect the queue takes; every one after it hangs, which is checked here.
  const filler = connect({ host: "127.0.0.1", port });
  await new Promise((resolve, reject) => filler.once("connect", resolve).once("error", reject));
  const check = connect({ host: "127.0.0.1", port });
  const settled = await Promise.race([
    new Promise((resolve) => check.once("connect", () => resolve("connected")).once("error", (e) => resolve(String(e)))),
    Bun.sleep(200).then(() => undefined),
  ]);
  if (settled !== undefined) {
    shut(filler, check);
    throw new Error(`blackHole: a connect to a full backlog did not hang here (${settled})`);
  }
  check.destroy();
  return { url: `http://127.0.0.1:${port}`, port, close: () => shut(filler) };
}
