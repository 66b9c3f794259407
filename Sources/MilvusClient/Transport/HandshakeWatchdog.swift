import Primitives
import NIOCore
import NIOHTTP2

/// Closes a new connection on which the server has sent nothing within `limit`.
///
/// grpc-swift 2 counts a connection as ready only once the server's HTTP/2 SETTINGS arrive,
/// and an RPC waiting for a ready connection is not failed by its own deadline: against a
/// process that accepts TCP and never answers — a frozen (SIGSTOPped) server, whose kernel
/// still completes the handshake, or something else on the port — `connect` waited forever
/// (measured: over 9 minutes with a 2 s timeout; HostileServerTests). Closing the channel turns
/// that into a connection failure, which the call's retries and error message already handle.
/// Installed in front of the HTTP/2 handler of every connection; it removes itself at the first
/// byte, so a working connection pays nothing after its handshake.
final class HandshakeWatchdog: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = NIOAny

    let limit: TimeAmount
    private var timer: Scheduled<Void>?

    init(limit: TimeAmount) { self.limit = limit }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: limit) {
            channel.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        timer?.cancel()
        timer = nil
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    static func install(on channel: any Channel, limit: Duration) throws {
        let http2 = try channel.pipeline.syncOperations.handler(type: NIOHTTP2Handler.self)
        try channel.pipeline.syncOperations.addHandler(HandshakeWatchdog(limit: .nanoseconds(max(1_000_000, limit.nanoseconds))),
                                                       position: .before(http2))
    }
}
