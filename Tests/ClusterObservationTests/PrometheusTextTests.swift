import Testing
@testable import ClusterObservation

@Suite("Prometheus text format")
struct PrometheusTextTests {
    static let sample = #"""
    # HELP milvus_querynode_segment_num number of segments loaded, clustered by its collection, partition, state and # of indexed fields
    # TYPE milvus_querynode_segment_num gauge
    milvus_querynode_segment_num{collection_id="44",indexed_field_count="1",node_id="4",partition_id="45",segment_state="Sealed"} 3
    milvus_querynode_segment_num{collection_id="44",indexed_field_count="0",node_id="4",partition_id="45",segment_state="Growing"} 2
    milvus_querynode_segment_num{collection_id="50",indexed_field_count="1",node_id="5",partition_id="51",segment_state="Sealed"} 4
    # TYPE milvus_proxy_sq_latency histogram
    milvus_proxy_sq_latency_bucket{node_id="1",query_type="search",le="1"} 10
    milvus_proxy_sq_latency_bucket{node_id="1",query_type="search",le="+Inf"} 12
    milvus_proxy_sq_latency_sum{node_id="1",query_type="search"} 15.5
    milvus_proxy_sq_latency_count{node_id="1",query_type="search"} 12
    # TYPE process_resident_memory_bytes gauge
    process_resident_memory_bytes 2.5165824e+08
    weird_labels{path="C:\\dir",quote="say \"hi\"",nl="a\nb",space="a b"} -Inf 1700000000000
    nan_metric NaN
    """#

    @Test("families, labels, escapes, special values")
    func parse() throws {
        let p = try PrometheusText(Self.sample)
        #expect(p.families["milvus_querynode_segment_num"]?.type == .gauge)
        #expect(p.families["milvus_querynode_segment_num"]?.help.hasPrefix("number of segments") == true)
        #expect(p.samples(named: "milvus_querynode_segment_num").count == 3)
        #expect(p.families["milvus_proxy_sq_latency"]?.type == .histogram)
        #expect(p.families["milvus_proxy_sq_latency"]?.samples.count == 4)
        #expect(p.samples(named: "milvus_proxy_sq_latency_bucket").last?.value == 12)
        #expect(p.samples(named: "milvus_proxy_sq_latency_bucket").last?.labels["le"] == "+Inf")
        #expect(p.sum("process_resident_memory_bytes") == 251_658_240)
        let weird = try #require(p.samples(named: "weird_labels").first)
        #expect(weird.labels["path"] == #"C:\dir"#)
        #expect(weird.labels["quote"] == #"say "hi""#)
        #expect(weird.labels["nl"] == "a\nb")
        #expect(weird.labels["space"] == "a b")
        #expect(weird.value == -.infinity)
        #expect(p.samples(named: "nan_metric").first?.value.isNaN == true)
    }

    @Test("a node's total is the sum over all its series, not the last one")
    func sums() throws {
        let p = try PrometheusText(Self.sample)
        #expect(p.sum("milvus_querynode_segment_num", matching: ["node_id": "4"]) == 5)
        #expect(p.sum("milvus_querynode_segment_num", matching: ["node_id": "5"]) == 4)
        #expect(p.sum("milvus_querynode_segment_num", matching: ["node_id": "9"]) == nil)
        #expect(p.sum("milvus_querynode_segment_num") == 9)
    }

    @Test("malformed lines are errors with their line number", arguments: [
        ("metric{a=\"1\" 3", 1), ("ok 1\nmetric{a=1} 3", 2), ("metric abc", 1), ("# TYPE m nonsense", 1), ("metric{a=\"x} 1", 1),
    ])
    func errors(text: String, line: Int) {
        #expect {
            try PrometheusText(text)
        } throws: { error in
            (error as? PrometheusText.ParseError)?.line == line
        }
    }

    @Test("`only` keeps just the named families (with a histogram's series) and skips the rest unparsed")
    func only() throws {
        let p = try PrometheusText(Self.sample, only: ["milvus_proxy_sq_latency", "process_resident_memory_bytes"])
        #expect(Set(p.families.keys) == ["milvus_proxy_sq_latency", "process_resident_memory_bytes"])
        #expect(p.families["milvus_proxy_sq_latency"]?.type == .histogram)
        #expect(p.samples(named: "milvus_proxy_sq_latency_bucket").count == 2)
        #expect(p.sum("process_resident_memory_bytes") == 251_658_240)
    }

    @Test("server latency: buckets differenced over a step, percentiles interpolated within a bucket")
    func bucketQuantiles() throws {
        let before = BucketHistogram(bounds: [1, 2, 4, 8, .infinity], counts: [0, 10, 10, 10, 10], sum: 15)
        let after = BucketHistogram(bounds: [1, 2, 4, 8, .infinity], counts: [0, 10, 60, 110, 110], sum: 515)
        let step = BucketHistogram.increase(from: before, to: after)
        #expect(step.counts == [0, 0, 50, 100, 100] && step.total == 100 && step.sum == 500)
        // 50 in (2, 4], 50 in (4, 8]: the median is the top of the first, P99 near the top of the second.
        #expect(step.quantile(0.5) == 4)
        #expect(abs(step.quantile(0.99)! - 7.92) < 1e-9)
        // A restart (counts went down) means the later reading is the increase.
        #expect(BucketHistogram.increase(from: after, to: before) == before)
        // Beyond the last finite bound only that bound is known.
        #expect(BucketHistogram(bounds: [1, .infinity], counts: [0, 5], sum: 9).quantile(0.5) == 1)
        #expect(BucketHistogram(bounds: [1, .infinity], counts: [0, 0], sum: 0).quantile(0.5) == nil)
        let text = try PrometheusText(Self.sample)
        #expect(ServerLatency.proxy(text)?.counts == [10, 12])
    }
}
