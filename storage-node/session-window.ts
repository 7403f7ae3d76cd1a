/**
 * Widens the HTTP/2 receive window of the connection carrying a gRPC server call. grpc-js
 * servers have no option for it, and with HTTP/2's default 64 KiB window a stream of large body
 * chunks stalls on a window update every 64 KiB, each a scheduling hop on a busy host: it capped
 * a single 256 MiB PUT at a few tens of MiB/s. Reaches grpc-js internals defensively: if their
 * shape changes this does nothing, and only speed is lost.
 */

interface SessionLike {
  setLocalWindowSize?(n: number): void;
  settings?(s: { initialWindowSize: number }): void;
  localSettings?: { initialWindowSize?: number };
  destroyed?: boolean;
}
interface CallLike { stream?: { session?: SessionLike }; nextCall?: CallLike }

const widened = new WeakMap<object, number>();

/**
 * Raises the connection's and its streams' receive windows to at least `bytes` (never lowers
 * what another service set). Memory stays bounded: a stream whose reader is slow stops
 * reading from the socket once its window is used.
 * @param call a grpc-js server call object (ServerReadableStream, ServerDuplexStream, ...)
 */
export function widenReceiveWindow(call: unknown, bytes: number): void {
  try {
    let c = (call as { call?: CallLike }).call;
    for (let i = 0; i < 8 && c && !c.stream && c.nextCall; i++) c = c.nextCall;
    const session = c?.stream?.session;
    if (!session || session.destroyed || (widened.get(session) ?? 0) >= bytes) return;
    widened.set(session, bytes);
    if ((session.localSettings?.initialWindowSize ?? 0) >= bytes) return;
    session.setLocalWindowSize?.(bytes);
    session.settings?.({ initialWindowSize: bytes });
  } catch {
    // Only a speed-up; the stream works with the default window.
  }
}
