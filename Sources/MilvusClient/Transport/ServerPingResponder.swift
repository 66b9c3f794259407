import NIOCore
import NIOHTTP2
import Synchronization

/// Answers the server's HTTP/2 PING frames before `NIOHTTP2Handler` sees them.
///
/// Why: the Milvus (Go gRPC) server sends a PING after nearly every request to estimate
/// bandwidth, and swift-nio-http2 1.46.0 treats more than 200 PING/SETTINGS frames in 30 s as
/// a denial-of-service attempt: it closes the connection with GOAWAY ENHANCE_YOUR_CALM, so any
/// client making more than ~7 calls a second fails. grpc-swift-nio-transport 2.9.2 exposes no
/// setting for that limit, and editing dependencies is not an option, so this handler sits
/// in front of the HTTP/2 handler (after TLS, so it sees plaintext frames) and:
///
/// - walks the inbound byte stream frame by frame (9-byte header: 24-bit length, type, flags,
///   31-bit stream id), skipping payloads without copying them;
/// - removes each well-formed PING request (type 6, length 8, stream 0, no ACK flag) and
///   answers it with a PING ACK carrying the same 8 bytes, flushed once per read batch;
/// - forwards everything else unchanged and in order. Only a frame header, or a PING, cut
///   across two reads is held back (at most 17 bytes).
///
/// Outbound frames of the HTTP/2 handler never pass through an inbound handler, and each
/// ACK is one whole write, so nothing interleaves with its frames.
///
/// Trade-off: the server's PINGs are no longer rate-limited (SETTINGS frames still are).
/// Remove this handler once the transport lets clients raise the limit.
final class ServerPingResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let frameHeaderLength = 9
    static let pingType: UInt8 = 6
    static let ackFlag: UInt8 = 0x1

    private let statistics: ConnectionStatistics
    /// Payload bytes of the current (non-PING) frame still to forward.
    private var payloadRemaining = 0
    /// An incomplete frame header or PING frame from the previous read.
    private var carry: ByteBuffer?
    /// PING ACKs to write at the end of this read batch.
    private var acks: ByteBuffer?

    init(statistics: ConnectionStatistics) {
        self.statistics = statistics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var input = unwrapInboundIn(data)
        if var held = carry {
            held.writeBuffer(&input)
            input = held
            carry = nil
        }
        // `input.readerIndex` marks the first byte not yet forwarded; `cursor` scans ahead of it.
        var cursor = input.readerIndex
        let end = input.writerIndex
        while cursor < end {
            if payloadRemaining > 0 {
                let n = min(payloadRemaining, end - cursor)
                cursor += n
                payloadRemaining -= n
                continue
            }
            guard end - cursor >= Self.frameHeaderLength,
                  let header = input.getBytes(at: cursor, length: Self.frameHeaderLength) else { break }
            let length = Int(header[0]) << 16 | Int(header[1]) << 8 | Int(header[2])
            let type = header[3]
            let flags = header[4]
            let stream = (UInt32(header[5]) << 24 | UInt32(header[6]) << 16 | UInt32(header[7]) << 8 | UInt32(header[8])) & 0x7FFF_FFFF
            let isPingRequest = type == Self.pingType && length == 8 && stream == 0 && flags & Self.ackFlag == 0
            guard isPingRequest else {
                cursor += Self.frameHeaderLength
                payloadRemaining = length
                continue
            }
            guard end - cursor >= Self.frameHeaderLength + 8 else { break }
            forward(context: context, &input, upTo: cursor)
            var ack = acks ?? context.channel.allocator.buffer(capacity: 17)
            ack.writeBytes([0, 0, 8, Self.pingType, Self.ackFlag, 0, 0, 0, 0])
            var opaque = input.getSlice(at: cursor + Self.frameHeaderLength, length: 8)!
            ack.writeBuffer(&opaque)
            acks = ack
            cursor += Self.frameHeaderLength + 8
            input.moveReaderIndex(to: cursor)
            statistics.pingAnswered()
        }
        forward(context: context, &input, upTo: cursor)
        if input.readableBytes > 0 {
            carry = input.readSlice(length: input.readableBytes)
        }
    }

    /// Passes the bytes from the reader index up to `index` on, unchanged.
    private func forward(context: ChannelHandlerContext, _ buffer: inout ByteBuffer, upTo index: Int) {
        let count = index - buffer.readerIndex
        guard count > 0, let slice = buffer.readSlice(length: count) else { return }
        context.fireChannelRead(wrapInboundOut(slice))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let pending = acks {
            acks = nil
            context.writeAndFlush(wrapOutboundOut(pending), promise: nil)
        }
        context.fireChannelReadComplete()
    }

    /// Installs the responder in front of the HTTP/2 handler of a freshly created connection.
    static func install(on channel: any Channel, statistics: ConnectionStatistics) -> EventLoopFuture<Void> {
        channel.eventLoop.makeCompletedFuture {
            let http2 = try channel.pipeline.syncOperations.handler(type: NIOHTTP2Handler.self)
            try channel.pipeline.syncOperations.addHandler(ServerPingResponder(statistics: statistics), position: .before(http2))
            statistics.connectionOpened()
        }
    }
}
