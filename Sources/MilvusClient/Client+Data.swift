import Foundation

extension MilvusClient {
    /// Seals the collection's growing segments. Returns before they are persisted on 2.3;
    /// use `waitUntilFlushed` (or `flushAndWait`) to wait.
    public func flush(_ collection: String) async throws -> FlushResult {
        var request = Milvus_Proto_Milvus_FlushRequest()
        request.dbName = options.database
        request.collectionNames = [collection]
        let r = try await call("Flush", retry: .onTransientState) { [request] s, m, o in
            try await s.flush(request, metadata: m, options: o)
        }
        return FlushResult(collection: collection, segmentIDs: r.collSegIds[collection]?.data ?? [],
                           flushTimestamp: r.collFlushTs[collection] ?? 0)
    }

    /// Waits until the segments of a flush are persisted.
    public func waitUntilFlushed(_ flush: FlushResult, timeout: Duration = .seconds(600)) async throws {
        var request = Milvus_Proto_Milvus_GetFlushStateRequest()
        request.segmentIds = flush.segmentIDs
        request.flushTs = flush.flushTimestamp
        request.dbName = options.database
        request.collectionName = flush.collection
        try await poll("GetFlushState", timeout: timeout, what: "the flush of \(flush.collection)") {
            let r = try await self.call("GetFlushState", retry: .onTransientState) { [request] s, m, o in
                try await s.getFlushState(request, metadata: m, options: o)
            }
            return r.flushed
        }
    }

    /// Flushes, waits until the segments are sealed and persisted and — when the collection
    /// has an index — until every row is indexed. Returns how long each phase took.
    public func flushAndWait(_ collection: String, timeout: Duration = .seconds(600)) async throws -> FlushTimings {
        let clock = ContinuousClock()
        let start = clock.now
        let flushed = try await flush(collection)
        let afterFlush = clock.now
        do {
            try await waitUntilFlushed(flushed, timeout: timeout)
        } catch let error as MilvusError where error.isNotSupported {
            // Servers without GetFlushState (milvus-lite) persist on flush.
        }
        let sealed = clock.now
        let indexes = (try? await describeIndexes(collection)) ?? []
        for index in indexes {
            _ = try await waitForIndex(collection, field: index.field, timeout: timeout)
        }
        return FlushTimings(flush: afterFlush - start, seal: sealed - afterFlush, index: clock.now - sealed)
    }

    /// Segments persisted for the collection (rows and state per segment).
    public func persistentSegments(_ collection: String) async throws -> [PersistentSegment] {
        var request = Milvus_Proto_Milvus_GetPersistentSegmentInfoRequest()
        request.dbName = options.database
        request.collectionName = collection
        let r = try await call("GetPersistentSegmentInfo", retry: .onTransientState) { [request] s, m, o in
            try await s.getPersistentSegmentInfo(request, metadata: m, options: o)
        }
        return r.infos.map { PersistentSegment(id: $0.segmentID, partitionID: $0.partitionID, rows: Int($0.numRows), state: "\($0.state)") }
    }

    /// Calls `done` until it returns true, backing off from 50 ms to 1 s, or throws after `timeout`.
    func poll(_ rpc: String, timeout: Duration, what: String, _ done: () async throws -> Bool) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var delay = Duration.milliseconds(50)
        while true {
            if try await done() { return }
            if clock.now >= deadline {
                throw MilvusError(rpc: rpc, kind: .timedOut, reason: "\(what) did not finish within \(timeout)")
            }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(1))
        }
    }
}

/// The segments a flush sealed, to wait for.
public struct FlushResult: Sendable {
    public var collection: String
    public var segmentIDs: [Int64]
    public var flushTimestamp: UInt64
}

/// How long `flushAndWait` spent in each phase.
public struct FlushTimings: Sendable {
    public var flush: Duration
    public var seal: Duration
    public var index: Duration
}

/// A persisted segment.
public struct PersistentSegment: Sendable, Hashable {
    public var id: Int64
    public var partitionID: Int64
    public var rows: Int
    public var state: String
}
