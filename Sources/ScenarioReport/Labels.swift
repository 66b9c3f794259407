import ScenarioRecord

/// Every word a report shows, in English and in the first document's Chinese. Column ids (CSV
/// headers) are stable English and never translated.
struct Labels: Sendable {
    let language: String
    var zh: Bool { language == "zh" }

    func pick(_ en: String, _ zh: String) -> String { self.zh ? zh : en }

    // Sections
    var environment: String { pick("Environment", "运行环境") }
    var steps: String { pick("Steps", "步骤") }
    var queryPerformance: String { pick("Query performance", "查询性能统计") }
    var nodeLoad: String { pick("Node load distribution", "节点负载分布") }
    var balance: String { pick("Balance", "负载均衡") }
    var hotQueries: String { pick("Hot-query performance", "热点查询性能") }
    var thresholds: String { pick("Thresholds", "阈值检查") }
    var health: String { pick("Health", "健康检查") }
    var charts: String { pick("Charts", "图表") }
    var failure: String { pick("Failure", "失败原因") }
    func comparison(_ parameter: String) -> String {
        parameter == "replicas" ? pick("Replica comparison", "副本数性能对比") : pick("Comparison over \(parameter)", "\(parameter) 对比")
    }

    // Columns
    var step: String { pick("Step", "步骤") }
    var kind: String { pick("Kind", "类型") }
    var status: String { pick("Status", "状态") }
    var duration: String { pick("Duration", "耗时") }
    var summary: String { pick("Summary", "摘要") }
    var load: String { pick("Load", "负载方式") }
    var queries: String { pick("Queries", "查询数") }
    var totalTime: String { pick("Total time", "总耗时") }
    var qps: String { pick("QPS", "吞吐量") }
    var avg: String { pick("Avg latency", "平均延迟") }
    var p50: String { pick("P50", "P50 延迟") }
    var p95: String { pick("P95", "P95 延迟") }
    var p99: String { pick("P99", "P99 延迟") }
    var p999: String { pick("P99.9", "P99.9 延迟") }
    var max: String { pick("Max", "最大延迟") }
    var errors: String { pick("Errors", "错误") }
    var node: String { pick("Node", "节点") }
    var memory: String { pick("Memory (MB)", "内存使用 (MB)") }
    var memoryPercent: String { pick("Memory %", "内存占比") }
    var segments: String { pick("Segments", "Segment 数") }
    var rows: String { pick("Rows", "行数") }
    var cpu: String { pick("CPU", "CPU") }
    var replicaGroup: String { pick("Replica group", "副本组") }
    var withinReplicas: String { pick("Within replica groups (segments / rows)", "副本组内 (Segment / 行)") }
    var acrossNodes: String { pick("Across nodes (segments / rows)", "跨节点 (Segment / 行)") }
    var verdict: String { pick("Verdict", "结论") }
    var balanced: String { pick("balanced", "均衡") }
    var unbalanced: String { pick("unbalanced", "不均衡") }
    var hotAvg: String { pick("Hot avg", "热点平均延迟") }
    var coldAvg: String { pick("Cold avg", "普通平均延迟") }
    var hotCold: String { pick("Speed-up (cold ÷ hot)", "加速比 (普通 ÷ 热点)") }
    var speedup: String { pick("Speed-up", "性能提升") }
    var baseline: String { pick("baseline", "基准") }
    var serverP50: String { pick("Server P50", "服务端 P50") }
    var serverP99: String { pick("Server P99", "服务端 P99") }
    var nodeTraffic: String { pick("Node load during searches (traffic)", "节点负载分布 — 查询期间") }
    var replicaTraffic: String { pick("Searches per replica group", "各副本组查询分布") }
    var requests: String { pick("Requests", "查询数") }
    var share: String { pick("Share", "查询占比") }
    var requestsPerSecond: String { pick("Requests/s", "每秒查询数") }
    var led: String { pick("Led as shard leader", "作为分片主节点") }
    var cpuDuringLoad: String { pick("CPU during load", "负载期间CPU") }
    var capacityTitle: String { pick("Capacity: highest rate within the SLA", "容量：满足 SLA 的最高速率") }
    var targetRate: String { pick("Target rate (/s)", "目标速率 (/秒)") }
    var achievedRate: String { pick("Achieved (/s)", "实际速率 (/秒)") }
    var phase: String { pick("Phase", "阶段") }
    var late: String { pick("Late", "延迟发出") }
    var dropped: String { pick("Dropped", "未发出") }
    var clientLate: String { pick("Client late", "客户端延迟") }
    var recallTitle: String { pick("Search quality (recall)", "检索质量（召回率）") }
    var recall: String { pick("Recall", "召回率") }
    var recallP5: String { pick("Recall P5", "召回率 P5") }
    var recallMin: String { pick("Recall min", "最低召回率") }
    var recallP50: String { pick("Recall P50", "召回率 P50") }
    var metricType: String { pick("Metric", "距离度量") }
    var groundTruthTime: String { pick("Ground truth", "精确近邻计算") }
    var searchStep: String { pick("Search step", "查询步骤") }
    var vectors: String { pick("Query vectors", "查询向量数") }
    var cpuPeak: String { pick("CPU peak", "CPU 峰值") }
    var nodes: String { pick("Nodes", "节点") }
    var searches: String { pick("Searches", "查询数") }
    var nodeShares: String { pick("Node shares", "节点查询占比") }
    var groupShares: String { pick("Replica group shares", "副本组查询占比") }
    func nodeName(_ id: Int64) -> String { pick("node \(id)", "节点 \(id)") }
    func parameter(_ p: String) -> String { p == "replicas" ? pick("Replicas", "副本数") : p }
    var sweepP99: String { pick("P99", "P99延迟") }
    var expression: String { pick("Threshold", "阈值") }
    var observed: String { pick("Observed", "观测值") }
    var result: String { pick("Result", "结果") }
    var note: String { pick("Note", "说明") }
    var pass: String { pick("pass", "通过") }
    var fail: String { pick("FAIL", "未通过") }
    var notMeasured: String { pick("not measured", "未测得") }
    var healthy: String { pick("Healthy (serving)", "健康 (可查询)") }
    var live: String { pick("Live (/healthz)", "存活 (/healthz)") }
    var latency: String { pick("Latency", "延迟") }
    var reasons: String { pick("Reasons", "原因") }
    var yes: String { pick("yes", "是") }
    var no: String { pick("no", "否") }

    // Status words
    func status(_ s: String) -> String {
        switch s {
        case "ok": return pick("ok", "成功")
        case "failed": return pick("failed", "失败")
        case "unsupported": return pick("not supported by this deployment", "当前部署不支持")
        case "skipped": return pick("skipped", "跳过")
        default: return s
        }
    }

    func runStatus(_ s: String) -> String {
        switch s {
        case "passed": return pick("passed — every threshold held", "通过 — 所有阈值均满足")
        case "thresholdsFailed": return pick("a threshold failed", "有阈值未满足")
        case "failed": return pick("a step failed", "有步骤失败")
        case "interrupted": return pick("interrupted", "已中断")
        default: return pick("still running", "运行中")
        }
    }

    func notification(_ kind: String) -> String {
        switch kind {
        case "firing": return pick("firing", "触发")
        case "repeat": return pick("repeat", "重复")
        case "resolved": return pick("resolved", "恢复")
        default: return kind
        }
    }

    func actionKind(_ kind: String) -> String {
        switch kind {
        case "fault": return pick("fault", "故障注入")
        case "recover": return pick("recover", "恢复")
        case "scale": return pick("scale", "扩缩容")
        default: return kind
        }
    }

    // Environment keys
    var tool: String { pick("Tool", "工具") }
    var scenarioFile: String { pick("Scenario", "场景文件") }
    var server: String { pick("Server", "服务器") }
    var queryNodes: String { pick("Query nodes", "查询节点数") }
    var started: String { pick("Started (UTC)", "开始时间 (UTC)") }
    var ended: String { pick("Ended (UTC)", "结束时间 (UTC)") }
    var host: String { pick("Host", "主机") }
    var client: String { pick("Client cost", "客户端开销") }

    // Step notes: the runner records a code and values; the words are here.
    var notes: String { pick("Notes", "备注") }
    func note(_ n: StepNote) -> String {
        guard zh, let template = Self.chineseNotes[n.code] else { return n.description }
        return StepNote.fill(template, n.values)
    }

    static let chineseNotes: [StepNote.Code: String] = [
        .recreated: "已先删除已有的集合 '{collection}'（recreate: true）",
        .replicaGroups: "各副本组所在的查询节点：{groups}",
        .segmentInfoUnsupported: "该服务器不支持 GetQuerySegmentInfo；各节点的 Segment 数取自 /metrics",
        .metricsUnreadable: "无法读取 {endpoint}/metrics：{reason}",
        .metricsEndpointDown: "{endpoint}/metrics：{reason} — 其后节点的内存、CPU 和查询流量未知；请检查 target.metrics（本机服务器：eval \"$(scripts/milvus-local env cluster)\"）",
        .noMetricsEndpoints: "未配置指标端点（target.metrics）：未测量各节点的内存和 CPU",
        .trafficUnknown: "各节点查询流量未知：{endpoints} 没有查询节点的请求计数",
        .iteratorShort: "迭代器每次查询只读到 {read} 行，而可达 {expected} 行：该服务器的范围搜索提前结束（milvus-lite 3.2.2 只在最近的 5 × batch 行中查找）",
        .connectFailed: "连接并列出集合失败：{reason}",
        .rowsBeforeUncounted: "监控开始时无法统计集合 '{collection}' 的行数：{reason}",
        .rowsAfterUnverified: "监控结束后无法核实集合 '{collection}' 的行数：{reason}",
        .dryRunActions: "--dry-run-actions：记录了 {count} 条命令，均未执行",
        .noBackgroundLoad: "未运行后台负载：无法查询集合 '{collection}'：{reason}",
        .noWriteLoad: "未向 '{collection}' 运行后台写入：{reason}",
        .recallNoRows: "未测量召回率：集合 '{collection}' 不是由本场景创建并插入数据的，其数据未知",
        .recallMetric: "未测量召回率：距离度量 {metric} 不是 L2、IP 或 COSINE",
        .recallFilter: "未测量召回率：无法在生成的数据上计算 filter：{reason}",
        .recallFailed: "未测量召回率：{reason}",
        .recallFileNeighbors: "未使用数据文件自带的近邻（{reason}）；召回率按根据文件数据计算的精确近邻评估",
        .shardLeadOnly: "分片 {shard}：本分片不执行此步骤，由分片 0 执行（准备步骤和服务器读数只做一次）",
        .shardWaitedForLoad: "等待了 {seconds} 秒，直到分片 0 加载完 '{collection}'",
        .shardStartedLate: "负载比 --start-at 晚了 {late} 秒开始：本分片未及时就绪（请设更晚的开始时间）",
        .shardOverlap: "各分片的测量阶段只在该步骤 {window} 秒窗口的 {overlap}% 内重叠：它们并非同时发送，合并后的 QPS 低于服务器实际可承受的",
        .shardsMissing: "合并时缺少分片 {shards}（--allow-partial）：各项总数不含它们的查询",
        .replicaGroupIdle: "节点 {nodes} 所在的副本组未主导 {searches} 次查询中的任何一次：代理把全部查询发给了 {groups} 个副本组中的其他组。Milvus 2.3 的代理按缓存的分片主节点列表路由，缓存时长为 proxy.shardLeaderCacheInterval（默认 30 秒）；若列表是在某副本组尚未就绪时获取的，该组在缓存过期前不会收到查询。要测量副本之间如何分担流量，请在加载后预热超过该时长",
        .clientSaturated: "限制本步骤的是客户端而非服务器：本进程使用了 {percent}% 的单核 CPU（本机共 {cores} 核）——这些数字只是服务器能力的下限；请减少并发中的查询，或使用更多运行进程（run --shard）",
        .capacityP99: "P99 {p99} ≥ {limit}",
        .capacityNoQuery: "没有查询完成",
        .capacityErrors: "错误率 {rate}% > {limit}%",
        .capacityAchieved: "实际速率 {achieved}/秒 低于目标 {target}/秒 的 {share}%",
        .capacityRecall: "召回率 {recall} < {floor}",
        .capacityClientLimit: "客户端上限：{sent} 个查询中有 {late} 个在有空闲连接时延迟发出",
        .scaledNodeIdle: "扩容后查询节点 {nodes} 已启动，但在随后的 {seconds} 秒内未持有任何分段、未处理任何查询：在监控期内系统没有给新容量分配工作（Milvus 2.3 中 queryCoord.autoBalance 默认为 false，已加载的分段不会迁移到新加入的节点）",
    ]
}
