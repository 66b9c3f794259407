// instant-milvus: a gRPC server on loopback that answers every Milvus call at once, with no
// Milvus behind it — what bench/client-ceiling measures the runner against, so the numbers are
// the client's own cost. Search gets a canned SearchResults (one query, topK hits with int64
// ids and scores, the shape a real search returns); every other call an empty message, which
// proto3 reads as "status: Success" (enough for Connect).
//
//   instant-milvus [--port 19999] [--topk 10] [--threads 1] [--mode instant] [--search MODE]
//
// --mode makes it a hostile server for the runner's robustness tests instead:
//   silent      speaks HTTP/2 but never answers a call
//   tcp-silent  accepts TCP connections and never sends a byte (no HTTP/2 at all)
//   malformed   answers every call with bytes that are not the message's protobuf
//   oversized   answers every call with a length prefix of 2 GiB and 16 bytes, then ends
//
// --search MODE applies a mode to Search calls only (Connect and the rest answer normally), so a
// client connects and then meets the misbehaving search. Besides the modes above:
//   error       answers with only trailers: grpc-status 13 and a message
//   reset       resets the search's stream (RST_STREAM)
//   close       closes the whole connection when a search arrives
//
// Prints "listening on PORT" once bound (--port 0: any free port); runs until killed. Plain HTTP/2 on swift-nio-http2
// (no grpc-swift server, no generated service code): the replies are encoded here by hand.
import Foundation
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix

func argument(_ name: String, _ fallback: String) -> String {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: "--\(name)"), i + 1 < args.count else { return fallback }
    return args[i + 1]
}

/// Protocol Buffers wire format, as much of it as the canned replies need.
struct ProtoWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func tag(_ field: Int, _ wireType: Int) { varint(UInt64(field << 3 | wireType)) }

    mutating func int64(_ field: Int, _ value: Int64) {
        tag(field, 0)
        varint(UInt64(bitPattern: value))
    }

    mutating func message(_ field: Int, _ body: [UInt8]) {
        tag(field, 2)
        varint(UInt64(body.count))
        bytes += body
    }

    mutating func packedInt64(_ field: Int, _ values: [Int64]) {
        var body = ProtoWriter()
        for v in values { body.varint(UInt64(bitPattern: v)) }
        message(field, body.bytes)
    }

    mutating func packedFloat(_ field: Int, _ values: [Float]) {
        var body: [UInt8] = []
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { body += $0 } }
        message(field, body)
    }
}

/// SearchResults { status {}, results: SearchResultData { num_queries 1, top_k, scores, ids { int_id }, topks } }.
func cannedSearchResults(topK: Int) -> [UInt8] {
    var longArray = ProtoWriter()
    longArray.packedInt64(1, (0..<topK).map { Int64(1_000 + $0) })
    var ids = ProtoWriter()
    ids.message(1, longArray.bytes)
    var data = ProtoWriter()
    data.int64(1, 1)
    data.int64(2, Int64(topK))
    data.packedFloat(4, (0..<topK).map { Float($0) * 0.01 })
    data.message(5, ids.bytes)
    data.packedInt64(6, [Int64(topK)])
    var results = ProtoWriter()
    results.message(1, [])
    results.message(2, data.bytes)
    return results.bytes
}

/// One HTTP/2 stream = one unary call: read the request to its end, answer headers, one
/// length-prefixed message and trailers.
final class UnaryHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    let search: ByteBuffer
    let empty: ByteBuffer
    let defaultMode: String
    let searchMode: String
    private var path = ""
    private var mode: String { path.hasSuffix("/Search") ? searchMode : defaultMode }

    init(search: ByteBuffer, empty: ByteBuffer, mode: String, searchMode: String) {
        self.search = search
        self.empty = empty
        self.defaultMode = mode
        self.searchMode = searchMode
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let headers):
            path = headers.headers.first(name: ":path") ?? ""
            if headers.endStream { respond(context) }
        case .data(let frame):
            if frame.endStream { respond(context) }
        default:
            break
        }
    }

    private func respond(_ context: ChannelHandlerContext) {
        switch mode {
        case "silent": return
        case "error":
            let trailers: HPACKHeaders = [":status": "200", "content-type": "application/grpc", "grpc-status": "13",
                                          "grpc-message": "instant-milvus%20says%20no"]
            context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: trailers, endStream: true))), promise: nil)
            return
        case "reset":
            context.writeAndFlush(wrapOutboundOut(.rstStream(.internalError)), promise: nil)
            return
        case "close":
            context.channel.parent?.close(promise: nil)
            return
        default: break
        }
        let head: HPACKHeaders = [":status": "200", "content-type": "application/grpc"]
        context.write(wrapOutboundOut(.headers(.init(headers: head))), promise: nil)
        let body: ByteBuffer
        switch mode {
        case "malformed": body = framed([0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x0A, 0x80])
        case "oversized":
            var b = context.channel.allocator.buffer(capacity: 21)
            b.writeInteger(UInt8(0))
            b.writeInteger(UInt32(0x8000_0000))
            b.writeBytes([UInt8](repeating: 0x0A, count: 16))
            body = b
        default: body = path.hasSuffix("/Search") ? search : empty
        }
        context.write(wrapOutboundOut(.data(.init(data: .byteBuffer(body)))), promise: nil)
        let trailers: HPACKHeaders = ["grpc-status": "0"]
        context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: trailers, endStream: true))), promise: nil)
    }
}

func framed(_ message: [UInt8]) -> ByteBuffer {
    var buffer = ByteBufferAllocator().buffer(capacity: message.count + 5)
    buffer.writeInteger(UInt8(0))
    buffer.writeInteger(UInt32(message.count))
    buffer.writeBytes(message)
    return buffer
}

@main
enum InstantMilvus {
    static func main() async throws {
        let port = Int(argument("port", "19999"))!
        let topK = Int(argument("topk", "10"))!
        let threads = Int(argument("threads", "1"))!
        let mode = argument("mode", "instant")
        let searchMode = argument("search", mode)
        guard ["instant", "silent", "tcp-silent", "malformed", "oversized"].contains(mode),
              ["instant", "silent", "malformed", "oversized", "error", "reset", "close"].contains(searchMode) || searchMode == mode else {
            FileHandle.standardError.write(Data("unknown --mode \(mode) or --search \(searchMode)\n".utf8))
            exit(2)
        }
        let search = framed(cannedSearchResults(topK: topK)), empty = framed([])
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                if mode == "tcp-silent" { return channel.eventLoop.makeSucceededVoidFuture() }
                return channel.configureHTTP2Pipeline(mode: .server) { stream in
                    stream.pipeline.addHandler(UnaryHandler(search: search, empty: empty, mode: mode, searchMode: searchMode))
                }.map { _ in }
            }
            .bind(host: "127.0.0.1", port: port).get()
        FileHandle.standardOutput.write(Data("listening on \(channel.localAddress?.port ?? port)\n".utf8))
        try await channel.closeFuture.get()
    }
}
