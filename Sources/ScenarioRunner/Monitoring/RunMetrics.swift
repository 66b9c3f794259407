import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import ScenarioRecord

/// What a run exposes for Prometheus while it lasts (`run --metrics-port`): the health
/// document's metric set — query latency and count by outcome, collection size, component
/// health — under the `milvus_scenario_` prefix, labelled by step and collection.
public final class RunMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    /// Latency buckets from 1 ms to 10 s (the document's client used the library defaults,
    /// which start at 5 ms and are too coarse for a healthy Milvus).
    static let buckets: [Duration] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000].map { .milliseconds($0) }

    public init() {}

    func queryLatency(step: String, collection: String) -> DurationHistogram {
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(namespace: "milvus_scenario", metricName: "query_latency", unitName: "seconds",
                                             helpText: "Search latency as the client saw it, by step and collection."),
            labels: [("step", step), ("collection", collection)], buckets: Self.buckets)
    }

    func queries(step: String, collection: String, status: String) -> Counter {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "milvus_scenario", metricName: "query", unitName: "total",
                                             helpText: "Searches sent, by step, collection and status (success or failure)."),
            labels: [("step", step), ("collection", collection), ("status", status)])
    }

    /// Entities in a collection as far as the run knows (rows inserted since it was created here,
    /// or the rows a monitor step counted).
    func collectionSize(_ collection: String) -> Gauge {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "milvus_scenario", metricName: "collection_size", unitName: "",
                                             helpText: "Entities in the collection (rows inserted by this run, or counted by a monitor step)."),
            labels: [("collection", collection)])
    }

    func componentHealth(_ component: String) -> Gauge {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "milvus_scenario", metricName: "component_health", unitName: "",
                                             helpText: "Component health from the last health step (1 healthy, 0 not)."),
            labels: [("component", component)])
    }

    /// The collectors of one search step, looked up once so each query only records.
    struct QueryRecorder: Sendable {
        let latency: DurationHistogram
        let success: Counter
        let failure: Counter

        func record(_ latency: Duration?) {
            if let latency { self.latency.record(latency); success.increment() } else { failure.increment() }
        }

        /// Runs one query, counting its latency, or its failure.
        func measure<T>(_ query: () async throws -> T) async throws -> T {
            let sent = ContinuousClock.now
            do {
                let result = try await query()
                record(ContinuousClock.now - sent)
                return result
            } catch {
                record(nil)
                throw error
            }
        }
    }

    func queryRecorder(step: String, collection: String) -> QueryRecorder {
        QueryRecorder(latency: queryLatency(step: step, collection: collection),
                      success: queries(step: step, collection: collection, status: "success"),
                      failure: queries(step: step, collection: collection, status: "failure"))
    }

    /// Gauges that follow from a finished step (collection size, component health): each kind's
    /// runner says which.
    func stepFinished(_ record: StepRecord) {
        guard record.status == .ok else { return }
        StepRunners.runner(forKind: record.kind)?.publish(record, to: self)
    }

    /// Component health from a health step or from each check of a watch (live while it runs).
    func health(_ details: HealthDetails) {
        for (component, state) in details.components {
            componentHealth(component).set(to: state.lowercased() == "healthy" ? 1.0 : 0.0)
        }
        if let serving = details.serving { componentHealth("serving").set(to: serving ? 1.0 : 0.0) }
        if !details.endpoints.isEmpty { componentHealth("live").set(to: details.endpoints.allSatisfy(\.ok) ? 1.0 : 0.0) }
    }

    /// The exposition text (Prometheus text format 0.0.4).
    public func text() -> String { registry.emitToString() }
}

/// A minimal HTTP/1.1 server for `GET /metrics` (and `/` pointing there), on an event loop of
/// its own; everything else is 404 or 405.
public final class MetricsServer: Sendable {
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup
    public let port: Int

    public static func start(_ metrics: RunMetrics, host: String, port: Int) async throws -> MetricsServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 64)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.pipeline.configureHTTPServerPipeline().flatMap {
                        channel.pipeline.addHandler(MetricsHandler(metrics: metrics))
                    }
                }
                .bind(host: host, port: port).get()
            return MetricsServer(channel: channel, group: group, port: channel.localAddress?.port ?? port)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private init(channel: any Channel, group: MultiThreadedEventLoopGroup, port: Int) {
        self.channel = channel
        self.group = group
        self.port = port
    }

    public func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

private final class MetricsHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let metrics: RunMetrics

    init(metrics: RunMetrics) { self.metrics = metrics }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        let (status, contentType, body): (HTTPResponseStatus, String, String)
        switch (head.method, path) {
        case (.GET, "/metrics"), (.HEAD, "/metrics"):
            (status, contentType, body) = (.ok, "text/plain; version=0.0.4; charset=utf-8", metrics.text())
        case (.GET, "/"):
            (status, contentType, body) = (.ok, "text/plain; charset=utf-8", "milvus-scenario: metrics at /metrics\n")
        case (_, "/metrics"), (_, "/"):
            (status, contentType, body) = (.methodNotAllowed, "text/plain; charset=utf-8", "only GET\n")
        default:
            (status, contentType, body) = (.notFound, "text/plain; charset=utf-8", "not found; metrics are at /metrics\n")
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Connection", value: head.isKeepAlive ? "keep-alive" : "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        }
        let keepAlive = head.isKeepAlive, channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }
}

extension Optional where Wrapped == RunMetrics.QueryRecorder {
    /// Runs one query, counted on the run's metrics endpoint when there is one (`--metrics-port`).
    func measure<T>(_ query: () async throws -> T) async throws -> T {
        guard let recorder = self else { return try await query() }
        return try await recorder.measure(query)
    }
}
