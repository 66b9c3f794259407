import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import ScenarioSpec

/// E-mail through an SMTP server (the document's channel): EHLO, STARTTLS or TLS from the
/// start, AUTH PLAIN (or LOGIN) when a user is set, one message per notification.
/// The password goes only into the AUTH exchange; it is never logged or recorded.
public struct SMTPChannel: AlertChannel {
    public let name: String
    public let settings: Notifier.SMTP
    public var channel: String { "smtp" }

    public func deliver(_ notification: AlertNotification) async throws {
        let message = Self.message(notification, settings: settings, date: Date())
        try await withDeadline(settings.timeout.swiftDuration, what: "SMTP delivery to \(settings.host):\(settings.port)") {
            try await SMTPSession.send(message, settings: settings)
        }
    }

    /// The RFC 5322 message: headers, a blank line, the text (CRLF line ends, UTF-8).
    public static func message(_ n: AlertNotification, settings: Notifier.SMTP, date: Date) -> String {
        let subject = "\(settings.subjectPrefix) \(n.headline)"
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let domain = settings.from.split(separator: "@").last.map(String.init) ?? "localhost"
        let headers = [
            "From: \(settings.from)",
            "To: \(settings.to.joined(separator: ", "))",
            "Subject: \(encodedHeader(subject))",
            "Date: \(formatter.string(from: date))",
            "Message-ID: <\(UUID().uuidString.lowercased())@\(domain)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "X-Alert-Name: \(n.rule)",
            "X-Alert-Status: \(n.status)",
        ]
        return (headers + [""] + n.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
            .joined(separator: "\r\n")
    }

    /// RFC 2047 for subjects that are not plain ASCII.
    public static func encodedHeader(_ text: String) -> String {
        text.allSatisfy { $0.isASCII } ? text : "=?UTF-8?B?\(Data(text.utf8).base64EncodedString())?="
    }
}

/// One SMTP conversation on a NIO channel.
private struct SMTPSession {
    public let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    public var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    public let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    public var pending = ""

    public struct Reply {
        public var code: Int
        public var lines: [String]
        public var text: String { lines.joined(separator: " / ") }
    }

    public static func send(_ message: String, settings: Notifier.SMTP) async throws {
        let tls: NIOSSLContext? = settings.security == .none ? nil : try {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let ca = settings.caFile { configuration.trustRoots = .file(ca) }
            return try NIOSSLContext(configuration: configuration)
        }()
        let host = settings.host
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if settings.security == .tls, let tls {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: Self.sni(host)))
                    }
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var session = SMTPSession(channel: channel, inbound: inbound.makeAsyncIterator(), outbound: outbound)
            try await session.converse(message, settings: settings, tls: tls)
        }
    }

    public static func sni(_ host: String) -> String? {
        host.first?.isNumber == true || host.contains(":") ? nil : host
    }

    public mutating func converse(_ message: String, settings: Notifier.SMTP, tls: NIOSSLContext?) async throws {
        try expect(await reply(), 220, "greeting")
        let me = ProcessInfo.processInfo.hostName.isEmpty ? "localhost" : ProcessInfo.processInfo.hostName
        var capabilities = try expect(await command("EHLO \(me)"), 250, "EHLO")
        if settings.security == .starttls, let tls {
            guard capabilities.lines.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) else {
                throw DeliveryError(description: "\(settings.host):\(settings.port) does not offer STARTTLS (set 'security: tls' for TLS from the start, or 'none')")
            }
            try expect(await command("STARTTLS"), 220, "STARTTLS")
            // The TLS handler is not Sendable: made and added on the channel's own event loop.
            let ch = channel.channel, hostname = Self.sni(settings.host)
            try await ch.eventLoop.submit {
                try ch.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: hostname), position: .first)
            }.get()
            capabilities = try expect(await command("EHLO \(me)"), 250, "EHLO after STARTTLS")
        }
        if let user = settings.user {
            let password = settings.password?.value ?? ""
            let auth = capabilities.lines.first { $0.uppercased().hasPrefix("AUTH") }?.uppercased() ?? ""
            if auth.contains("PLAIN") || !auth.contains("LOGIN") {
                let token = Data("\0\(user)\0\(password)".utf8).base64EncodedString()
                try expect(await command("AUTH PLAIN \(token)"), 235, "AUTH PLAIN")
            } else {
                try expect(await command("AUTH LOGIN"), 334, "AUTH LOGIN")
                try expect(await command(Data(user.utf8).base64EncodedString()), 334, "AUTH LOGIN user")
                try expect(await command(Data(password.utf8).base64EncodedString()), 235, "AUTH LOGIN password")
            }
        }
        try expect(await command("MAIL FROM:<\(settings.from)>"), 250, "MAIL FROM")
        for recipient in settings.to {
            let r = try await command("RCPT TO:<\(recipient)>")
            guard r.code == 250 || r.code == 251 else { throw DeliveryError(description: "RCPT TO \(recipient) refused: \(r.code) \(r.text)") }
        }
        try expect(await command("DATA"), 354, "DATA")
        // Dot-stuffing: a line that starts with "." gets another one.
        let body = message.split(separator: "\r\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(".") ? "." + $0 : String($0) }.joined(separator: "\r\n")
        try expect(await command(body + "\r\n."), 250, "message")
        _ = try? await command("QUIT")
    }

    @discardableResult
    public func expect(_ reply: Reply, _ code: Int, _ what: String) throws -> Reply {
        guard reply.code == code else { throw DeliveryError(description: "\(what): server answered \(reply.code) \(reply.text)") }
        return reply
    }

    public mutating func command(_ line: String) async throws -> Reply {
        try await outbound.write(ByteBuffer(string: line + "\r\n"))
        return try await reply()
    }

    /// One reply, possibly several lines (`250-…` continues, `250 …` ends).
    public mutating func reply() async throws -> Reply {
        var lines: [String] = []
        while true {
            let line = try await nextLine()
            guard line.count >= 3, let code = Int(line.prefix(3)) else {
                throw DeliveryError(description: "not an SMTP reply: \(line.prefix(80))")
            }
            lines.append(String(line.dropFirst(4)))
            if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] == " " {
                return Reply(code: code, lines: lines)
            }
        }
    }

    public mutating func nextLine() async throws -> String {
        while true {
            if let range = pending.range(of: "\r\n") ?? pending.range(of: "\n") {
                let line = String(pending[..<range.lowerBound])
                pending.removeSubrange(..<range.upperBound)
                return line
            }
            guard let chunk = try await inbound.next() else {
                throw DeliveryError(description: "the SMTP server closed the connection")
            }
            pending += String(buffer: chunk)
        }
    }
}

/// Runs `body`, failing with a clear message when it takes longer than `limit`.
public func withDeadline<T: Sendable>(_ limit: Duration, what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw DeliveryError(description: "\(what) took longer than \(limit)")
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
