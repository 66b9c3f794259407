import Primitives
import Foundation
import GRPCCore
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import SwiftProtobuf
import Synchronization

/// Unary gRPC calls (the searches of a load) on plain HTTP/2 connections of their own, done
/// entirely on the connection's event loop: the request is written, the answer read and the
/// caller's promise completed on that one thread, with no async sequences or tasks in between.
///
/// Why not grpc-swift 2 for these: every grpc-swift call runs through async streams and several
/// tasks (writer, reader, the call itself), so a serial search woke ~11 threads and cost
/// ~0.36 ms of client CPU even against a server that answers at once; here it costs ~0.11 ms
/// (bench/CEILING.md, "What each change bought"). Here a
/// call is one stream channel with one handler; a caller whose task runs on the same event loop
/// (`MilvusClient.loadExecutors`) writes without a hop and is resumed on the thread that read
/// the answer. Everything else (setup calls, TLS connections) keeps using grpc-swift.
///
/// One connection per event loop of the group, opened on first use and again after it was lost;
/// a call made from one of the loops uses that loop's connection, others take turns.
final class DirectUnaryChannel: Sendable {
    let lanes: [DirectConnection]
    private let turn = Atomic<Int>(0)

    init(host: String, port: Int, group: any EventLoopGroup, lanes count: Int, headers: HPACKHeaders,
         handshakeLimit: Duration, statistics: ConnectionStatistics) {
        var loops: [any EventLoop] = []
        var iterator = group.makeIterator()
        while loops.count < max(1, count), let loop = iterator.next() { loops.append(loop) }
        if loops.isEmpty { loops = [group.next()] }
        lanes = loops.map { DirectConnection(host: host, port: port, eventLoop: $0, headers: headers, handshakeLimit: handshakeLimit,
                                             statistics: statistics) }
    }

    /// The lane of the calling thread's event loop, or the next one in turn.
    var lane: DirectConnection {
        for lane in lanes where lane.eventLoop.inEventLoop { return lane }
        return lanes[turn.add(1, ordering: .relaxed).oldValue % lanes.count]
    }

    /// Sends one gRPC message (already length-prefixed) to `path` and returns the answer's
    /// message bytes, or fails with an `RPCError`.
    func call(path: String, framed message: ByteBuffer, timeout: Duration, maxResponseBytes: Int) async throws -> ByteBuffer {
        let lane = self.lane
        let call = lane.call(path: path, framed: message, timeout: timeout, maxResponseBytes: maxResponseBytes)
        return try await withTaskCancellationHandler {
            try await call.future.get()
        } onCancel: {
            lane.eventLoop.execute { call.fail(CancellationError()) }
        }
    }

    func close() async {
        for lane in lanes { try? await lane.close().get() }
    }
}

/// One HTTP/2 connection on one event loop; all of its state is touched on that loop only.
final class DirectConnection: @unchecked Sendable {
    let eventLoop: any EventLoop
    let executor: EventLoopTaskExecutor
    private let host: String
    private let port: Int
    /// Headers after the pseudo-headers: content type, `te`, metadata (`dbname`, `authorization`, …).
    private let headers: HPACKHeaders
    private let authority: String
    private let handshakeLimit: Duration
    private let statistics: ConnectionStatistics

    private enum State {
        case idle
        case connecting(EventLoopFuture<NIOHTTP2Handler.StreamMultiplexer>)
        case ready(any Channel, NIOHTTP2Handler.StreamMultiplexer)
        case closed
    }
    private var state = State.idle

    init(host: String, port: Int, eventLoop: any EventLoop, headers: HPACKHeaders, handshakeLimit: Duration,
         statistics: ConnectionStatistics) {
        self.host = host
        self.port = port
        self.eventLoop = eventLoop
        self.executor = EventLoopTaskExecutor(eventLoop)
        self.headers = headers
        self.authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        self.handshakeLimit = handshakeLimit
        self.statistics = statistics
    }

    /// Starts a call: its handler, whose `future` completes with the answer (touch it only on
    /// the event loop; `fail` ends the call early).
    func call(path: String, framed message: ByteBuffer, timeout: Duration, maxResponseBytes: Int) -> DirectCallHandler {
        let handler = DirectCallHandler(message: message, promise: eventLoop.makePromise(of: ByteBuffer.self),
                                        maxResponseBytes: maxResponseBytes)
        if eventLoop.inEventLoop {
            start(handler, path: path, timeout: timeout)
        } else {
            eventLoop.execute { self.start(handler, path: path, timeout: timeout) }
        }
        return handler
    }

    private func start(_ handler: DirectCallHandler, path: String, timeout: Duration) {
        guard !handler.isDone else { return }  // cancelled before it started
        // Pseudo-headers first, as HTTP/2 requires; then the connection's own (metadata).
        var head = HPACKHeaders()
        head.reserveCapacity(headers.count + 6)
        head.add(name: ":method", value: "POST")
        head.add(name: ":scheme", value: "http")
        head.add(name: ":path", value: path)
        head.add(name: ":authority", value: authority)
        head.add(contentsOf: headers)
        head.add(name: "grpc-timeout", value: Self.grpcTimeout(timeout))
        handler.head = head
        handler.deadline = eventLoop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) {
            handler.fail(RPCError(code: .deadlineExceeded, message: "no answer within \(timeout)"))
        }
        switch state {
        case .ready(_, let multiplexer):
            open(handler, on: multiplexer)
        default:
            connect().whenComplete { result in
                switch result {
                case .success(let multiplexer): self.open(handler, on: multiplexer)
                case .failure(let error): handler.fail(error)
                }
            }
        }
    }

    private func open(_ handler: DirectCallHandler, on multiplexer: NIOHTTP2Handler.StreamMultiplexer) {
        guard !handler.isDone else { return }
        let created = eventLoop.makePromise(of: (any Channel).self)
        created.futureResult.whenFailure { error in
            handler.fail(RPCError(code: .unavailable, message: "cannot open a stream (\(error))"))
        }
        multiplexer.createStreamChannel(promise: created) { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandler(handler)
            }
        }
    }

    private func connect() -> EventLoopFuture<NIOHTTP2Handler.StreamMultiplexer> {
        switch state {
        case .ready(_, let multiplexer): return eventLoop.makeSucceededFuture(multiplexer)
        case .connecting(let future): return future
        case .closed: return eventLoop.makeFailedFuture(RPCError(code: .unavailable, message: "the client was closed"))
        case .idle: break
        }
        let statistics = self.statistics
        let limit = TimeAmount.nanoseconds(max(1_000_000, handshakeLimit.nanoseconds))
        // The state says "connecting" before anything can complete, however fast.
        let connected = eventLoop.makePromise(of: NIOHTTP2Handler.StreamMultiplexer.self)
        state = .connecting(connected.futureResult)
        connected.futureResult.whenFailure { _ in
            if case .connecting = self.state { self.state = .idle }
        }
        let future = ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(limit)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    var connection = NIOHTTP2Handler.ConnectionConfiguration()
                    // Large windows: a search answer of several MiB arrives without waiting for
                    // WINDOW_UPDATEs; large frames: fewer of them.
                    connection.initialSettings = [
                        HTTP2Setting(parameter: .maxConcurrentStreams, value: 1000),
                        HTTP2Setting(parameter: .maxHeaderListSize, value: HPACKDecoder.defaultMaxHeaderListSize),
                        HTTP2Setting(parameter: .initialWindowSize, value: 8 << 20),
                        HTTP2Setting(parameter: .maxFrameSize, value: 1 << 20),
                    ]
                    connection.targetWindowSize = 16 << 20
                    var stream = NIOHTTP2Handler.StreamConfiguration()
                    stream.targetWindowSize = 8 << 20
                    let http2 = NIOHTTP2Handler(mode: .client, eventLoop: channel.eventLoop, connectionConfiguration: connection,
                                                streamConfiguration: stream) { inbound in inbound.close() }
                    let sync = channel.pipeline.syncOperations
                    // Milvus PINGs after nearly every request (see ServerPingResponder).
                    try sync.addHandler(ServerPingResponder(statistics: statistics))
                    try sync.addHandler(HandshakeWatchdog(limit: limit))
                    try sync.addHandler(http2)
                    try sync.addHandler(GoAwayWatcher())
                }
            }
            .connect(host: host, port: port)
            .flatMapThrowing { channel -> (any Channel, NIOHTTP2Handler.StreamMultiplexer) in
                let multiplexer = try channel.pipeline.syncOperations.handler(type: NIOHTTP2Handler.self).syncMultiplexer()
                return (channel, multiplexer)
            }
            .flatMapErrorThrowing { error -> (any Channel, NIOHTTP2Handler.StreamMultiplexer) in
                throw RPCError(code: .unavailable, message: "cannot connect to \(self.host):\(self.port): \(error)")
            }
            .map { (channel, multiplexer) -> NIOHTTP2Handler.StreamMultiplexer in
                statistics.searchConnectionOpened()
                if case .closed = self.state {
                    channel.close(promise: nil)
                } else {
                    self.state = .ready(channel, multiplexer)
                }
                // A lost connection (or one the server sent GOAWAY on) is replaced by the next call.
                let forget: @Sendable () -> Void = {
                    if case .ready(let current, _) = self.state, current === channel { self.state = .idle }
                }
                channel.closeFuture.whenComplete { _ in forget() }
                (try? channel.pipeline.syncOperations.handler(type: GoAwayWatcher.self))?.onGoAway = forget
                return multiplexer
            }
        connected.completeWith(future)
        return connected.futureResult
    }

    func close() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit {
            let previous = self.state
            self.state = .closed
            if case .ready(let channel, _) = previous { return channel.close() }
            return self.eventLoop.makeSucceededVoidFuture()
        }
    }

    /// gRPC's timeout header: at most 8 digits and a unit.
    static func grpcTimeout(_ timeout: Duration) -> String {
        let ms = max(1, timeout.nanoseconds / 1_000_000)
        if ms < 100_000_000 { return "\(ms)m" }
        return "\(min(99_999_999, ms / 1000))S"
    }
}

/// The one handler of a call's HTTP/2 stream: writes the request when the stream is created,
/// collects the answer and completes the call's promise from the trailers.
final class DirectCallHandler: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    /// The request's headers, set when the call starts on the event loop.
    var head = HPACKHeaders()
    private let message: ByteBuffer
    private let promise: EventLoopPromise<ByteBuffer>
    private let maxResponseBytes: Int
    private var response: ByteBuffer?
    private var sawHeaders = false
    private var stream: (any Channel)?
    var deadline: Scheduled<Void>?
    private(set) var isDone = false
    var future: EventLoopFuture<ByteBuffer> { promise.futureResult }

    init(message: ByteBuffer, promise: EventLoopPromise<ByteBuffer>, maxResponseBytes: Int) {
        self.message = message
        self.promise = promise
        self.maxResponseBytes = maxResponseBytes
    }

    func handlerAdded(context: ChannelHandlerContext) {
        stream = context.channel
        if isDone {  // failed (deadline, cancellation) while the stream was being opened
            context.close(promise: nil)
            return
        }
        context.write(wrapOutboundOut(.headers(.init(headers: head))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.data(.init(data: .byteBuffer(message), endStream: true))), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let frame):
            if !sawHeaders {
                sawHeaders = true
                let status = frame.headers.first(name: ":status") ?? ""
                guard status == "200" else {
                    fail(RPCError(code: Self.code(httpStatus: status), message: "HTTP status \(status) from the server"))
                    return
                }
                // Trailers-only: a failure before any message.
                if frame.endStream { finish(frame.headers) }
            } else {
                finish(frame.headers)
            }
        case .data(let frame):
            guard case .byteBuffer(var bytes) = frame.data else { return }
            if response == nil {
                response = bytes
            } else {
                response!.writeBuffer(&bytes)
            }
            if let size = response?.readableBytes, size > maxResponseBytes + 5 {
                fail(RPCError(code: .resourceExhausted, message: "the answer exceeds \(maxResponseBytes) bytes"))
            } else if frame.endStream {
                fail(RPCError(code: .internalError, message: "the server ended the stream without a gRPC status"))
            }
        case .rstStream(let code):
            // gRPC's mapping: a refused stream was never processed (safe to send again).
            let rpcCode: RPCError.Code = code == .refusedStream ? .unavailable : code == .cancel ? .cancelled : .internalError
            fail(RPCError(code: rpcCode, message: "the server reset the stream (\(code))"))
        default:
            break
        }
    }

    private func finish(_ trailers: HPACKHeaders) {
        let status = trailers.first(name: "grpc-status").flatMap(Int.init) ?? -1
        guard status == 0 else {
            let code = RPCError.Code(Status.Code(rawValue: status) ?? .unknown) ?? .unknown
            let message = trailers.first(name: "grpc-message").map { $0.removingPercentEncoding ?? $0 } ?? ""
            fail(RPCError(code: code, message: status == -1 ? "the answer has no gRPC status" : message))
            return
        }
        guard var body = response, let compressed = body.readInteger(as: UInt8.self),
              let length = body.readInteger(as: UInt32.self) else {
            fail(RPCError(code: .internalError, message: "the answer has no message"))
            return
        }
        guard compressed == 0 else {
            fail(RPCError(code: .internalError, message: "the answer is compressed, which was not asked for"))
            return
        }
        guard Int(length) <= maxResponseBytes else {
            fail(RPCError(code: .resourceExhausted, message: "the answer's message is \(length) bytes, over \(maxResponseBytes)"))
            return
        }
        guard let message = body.readSlice(length: Int(length)) else {
            fail(RPCError(code: .internalError, message: "the answer's message is shorter than its length prefix"))
            return
        }
        complete(.success(message))
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(RPCError(code: .unavailable, message: "the stream closed before the answer (connection lost)"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(RPCError(code: .unavailable, message: "\(error)"))
        context.close(promise: nil)
    }

    /// Fails the call (once) and resets its stream.
    func fail(_ error: any Error) {
        guard !isDone else { return }
        complete(.failure(error))
        stream?.close(promise: nil)
    }

    private func complete(_ result: Result<ByteBuffer, any Error>) {
        guard !isDone else { return }
        isDone = true
        deadline?.cancel()
        deadline = nil
        response = nil
        promise.completeWith(result)
    }

    static func code(httpStatus: String) -> RPCError.Code {
        // gRPC's mapping of HTTP statuses without a gRPC status.
        switch httpStatus {
        case "400": return .internalError
        case "401": return .unauthenticated
        case "403": return .permissionDenied
        case "404": return .unimplemented
        case "429", "502", "503", "504": return .unavailable
        default: return .unknown
        }
    }
}

/// Tells its connection when the server sent GOAWAY, so new calls open a fresh connection
/// while the streams already running finish.
final class GoAwayWatcher: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTP2Frame
    var onGoAway: (@Sendable () -> Void)?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .goAway = unwrapInboundIn(data).payload { onGoAway?() }
        context.fireChannelRead(data)
    }
}

/// Runs tasks on one NIO event loop: a load's workers that prefer it (`withTaskExecutorPreference`)
/// share the thread with their connection, so a call's write and its answer need no hop.
public final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// Sleeps until `instant` on the event loop's own timer, or until the task is cancelled.
    /// `Task.sleep` wakes a timer thread and then an event loop; a task that prefers this
    /// executor is woken by its loop alone.
    public func sleep(until instant: ContinuousClock.Instant) async {
        let delay = instant - ContinuousClock.now
        guard delay > .zero, !Task.isCancelled else { return }
        let timer = eventLoop.scheduleTask(in: .nanoseconds(delay.nanoseconds)) {}
        await withTaskCancellationHandler {
            _ = try? await timer.futureResult.get()
        } onCancel: {
            timer.cancel()
        }
    }
}

/// A ByteBuffer as SwiftProtobuf's byte container, so messages decode straight from the bytes
/// the connection read and encode straight into a buffer.
struct ByteBufferBytes: SwiftProtobufContiguousBytes {
    var buffer: ByteBuffer

    init(_ buffer: ByteBuffer) { self.buffer = buffer }

    init(repeating: UInt8, count: Int) {
        buffer = ByteBufferAllocator().buffer(capacity: count)
        buffer.writeRepeatingByte(repeating, count: count)
    }

    init<S: Sequence>(_ sequence: S) where S.Element == UInt8 {
        buffer = ByteBufferAllocator().buffer(capacity: sequence.underestimatedCount)
        buffer.writeBytes(sequence)
    }

    var count: Int { buffer.readableBytes }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try buffer.withUnsafeReadableBytes(body)
    }

    mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try buffer.withUnsafeMutableReadableBytes(body)
    }
}
