import NIOCore
import NIOEmbedded
import NIOHTTP2
import Testing
@testable import MilvusClient

/// The PING responder, offline: byte streams cut at every point and in random chunks, and a
/// real `NIOHTTP2Handler` that closes the connection after 200 PINGs unless the responder is there.
@Suite("server PING responder")
struct ServerPingResponderTests {
    /// A frame as bytes.
    static func frame(type: UInt8, flags: UInt8 = 0, stream: UInt32 = 0, payload: [UInt8]) -> [UInt8] {
        let n = payload.count
        return [UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF), type, flags,
                UInt8(stream >> 24 & 0x7F), UInt8(stream >> 16 & 0xFF), UInt8(stream >> 8 & 0xFF), UInt8(stream & 0xFF)] + payload
    }

    static func ping(_ opaque: [UInt8], ack: Bool = false) -> [UInt8] {
        frame(type: 6, flags: ack ? 1 : 0, payload: opaque)
    }

    /// A server byte stream and what must come out of the responder: the stream without
    /// PING requests (forwarded) and one ACK per PING request (written back).
    struct Script {
        var input: [UInt8] = []
        var forwarded: [UInt8] = []
        var acks: [UInt8] = []
        var pings = 0

        mutating func add(_ bytes: [UInt8], isPingRequest: Bool = false) {
            input += bytes
            if isPingRequest {
                acks += ServerPingResponderTests.ping(Array(bytes[9...]), ack: true)
                pings += 1
            } else {
                forwarded += bytes
            }
        }
    }

    static func randomScript(seed: UInt64, frames: Int) -> Script {
        var rng = SplitMix(seed: seed)
        var script = Script()
        script.add(frame(type: 4, payload: [0, 3, 0, 0, 0, 100]))  // SETTINGS: the server's preface
        for _ in 0..<frames {
            let opaque = (0..<8).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            switch rng.next() % 7 {
            case 0, 1: script.add(ping(opaque), isPingRequest: true)
            case 2: script.add(ping(opaque, ack: true))  // answers to our PINGs pass through
            case 3:
                // DATA whose payload looks like PING frames: must not be mistaken for them.
                let fake = ping(opaque) + ping(opaque)
                script.add(frame(type: 0, stream: 1, payload: fake + (0..<Int(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }))
            case 4: script.add(frame(type: 1, flags: 4, stream: 3, payload: (0..<Int(rng.next() % 30)).map { _ in 0x88 }))
            case 5: script.add(frame(type: 8, payload: [0, 0, 1, 0]))  // WINDOW_UPDATE
            default: script.add(frame(type: 4, flags: 1, payload: []))  // SETTINGS ACK
            }
        }
        return script
    }

    /// Feeds `chunks` through a responder; returns forwarded bytes, written bytes and PINGs answered.
    static func run(_ chunks: [[UInt8]]) throws -> (forwarded: [UInt8], written: [UInt8], answered: Int) {
        let statistics = ConnectionStatistics()
        let channel = EmbeddedChannel(handler: ServerPingResponder(statistics: statistics))
        for chunk in chunks {
            try channel.writeInbound(channel.allocator.buffer(bytes: chunk))
        }
        var forwarded: [UInt8] = []
        while let b = try channel.readInbound(as: ByteBuffer.self) { forwarded += b.readableBytesView }
        var written: [UInt8] = []
        while let b = try channel.readOutbound(as: ByteBuffer.self) { written += b.readableBytesView }
        _ = try channel.finish()
        return (forwarded, written, statistics.pingsAnswered)
    }

    @Test("a stream cut at every point comes out right")
    func everyCutPoint() throws {
        let script = Self.randomScript(seed: 1, frames: 12)
        for cut in 0...script.input.count {
            let result = try Self.run([Array(script.input[..<cut]), Array(script.input[cut...])])
            #expect(result.forwarded == script.forwarded, "cut at \(cut)")
            #expect(result.written == script.acks, "cut at \(cut)")
            #expect(result.answered == script.pings)
        }
    }

    @Test("random chunkings of random streams", arguments: 1..<40)
    func randomChunks(seed: Int) throws {
        let script = Self.randomScript(seed: UInt64(seed) * 7919, frames: 60)
        var rng = SplitMix(seed: UInt64(seed))
        var chunks: [[UInt8]] = []
        var i = 0
        while i < script.input.count {
            let n = Int(rng.next() % 50) + (rng.next() % 4 == 0 ? 0 : 1)
            chunks.append(Array(script.input[i..<min(script.input.count, i + n)]))
            i += n
        }
        let result = try Self.run(chunks)
        #expect(result.forwarded == script.forwarded)
        #expect(result.written == script.acks)
    }

    @Test("back-to-back PINGs, a PING at the very end, and byte-by-byte delivery")
    func edgeCases() throws {
        var script = Script()
        script.add(Self.frame(type: 4, payload: []))
        for k in 0..<5 { script.add(Self.ping([UInt8](repeating: UInt8(k), count: 8)), isPingRequest: true) }
        script.add(Self.frame(type: 0, stream: 1, payload: Self.ping([9, 9, 9, 9, 9, 9, 9, 9])))
        script.add(Self.ping([1, 2, 3, 4, 5, 6, 7, 8]), isPingRequest: true)
        let whole = try Self.run([script.input])
        #expect(whole.forwarded == script.forwarded && whole.written == script.acks && whole.answered == 6)
        let bytewise = try Self.run(script.input.map { [$0] })
        #expect(bytewise.forwarded == script.forwarded && bytewise.written == script.acks)
    }

    @Test("PING-shaped frames that are not PING requests pass through", arguments: [
        ping([0, 0, 0, 0, 0, 0, 0, 0], ack: true),                      // an ACK
        frame(type: 6, stream: 1, payload: [UInt8](repeating: 0, count: 8)),  // on a stream (invalid, for the HTTP/2 handler to judge)
        frame(type: 6, payload: [UInt8](repeating: 0, count: 7)),        // wrong length
    ])
    func notPingRequests(bytes: [UInt8]) throws {
        let result = try Self.run([bytes])
        #expect(result.forwarded == bytes)
        #expect(result.written.isEmpty)
    }

    /// Runs 300 server PINGs into a real client-side HTTP/2 handler; returns whether it sent GOAWAY.
    static func http2Handler(withResponder: Bool) throws -> (goaway: Bool, acks: Int) {
        let channel = EmbeddedChannel()
        let http2 = NIOHTTP2Handler(mode: .client)
        try channel.pipeline.syncOperations.addHandler(http2)
        if withResponder {
            try channel.pipeline.syncOperations.addHandler(ServerPingResponder(statistics: ConnectionStatistics()), position: .before(http2))
        }
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        var outbound: [UInt8] = []
        func drain() throws {
            while let b = try channel.readOutbound(as: ByteBuffer.self) { outbound += b.readableBytesView }
            while let b = try channel.readOutbound(as: IOData.self) {
                if case .byteBuffer(let buffer) = b { outbound += buffer.readableBytesView }
            }
        }
        try channel.writeInbound(channel.allocator.buffer(bytes: frame(type: 4, payload: [])))
        for i in 0..<300 where channel.isActive {
            _ = try? channel.writeInbound(channel.allocator.buffer(bytes: ping([0, 0, 0, 0, 0, 0, UInt8(i >> 8), UInt8(i & 0xFF)])))
            try drain()
        }
        try drain()
        // Walk the client's frames (after its 24-byte preface magic).
        var i = 24, goaway = false, acks = 0
        while i + 9 <= outbound.count {
            let length = Int(outbound[i]) << 16 | Int(outbound[i + 1]) << 8 | Int(outbound[i + 2])
            if outbound[i + 3] == 7 { goaway = true }
            if outbound[i + 3] == 6 && outbound[i + 4] & 1 == 1 { acks += 1 }
            i += 9 + length
        }
        _ = try? channel.finish()
        return (goaway, acks)
    }

    @Test("without the responder swift-nio-http2 sends GOAWAY after 200 PINGs; with it, every PING is answered")
    func realHandler() throws {
        let bare = try Self.http2Handler(withResponder: false)
        #expect(bare.goaway, "the limit this works around is gone: consider removing ServerPingResponder")
        let guarded = try Self.http2Handler(withResponder: true)
        #expect(!guarded.goaway)
        #expect(guarded.acks == 300)
    }
}

/// A small deterministic generator for the tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
