import ScenarioRecord

/// The words every report shares, in English and in the first document's Chinese. A kind's own
/// words are in an `extension Labels` in its reporter's file (`Kinds/`), its notes' words with
/// its note codes (`StepNote.Code`, in the kind's record file). Column ids (CSV headers) are
/// stable English and never translated.
struct Labels: Sendable {
    let language: String
    var zh: Bool { language == "zh" }

    func pick(_ en: String, _ zh: String) -> String { self.zh ? zh : en }

    // Sections
    var environment: String { pick("Environment", "运行环境") }
    var steps: String { pick("Steps", "步骤") }
    var nodeLoad: String { pick("Node load distribution", "节点负载分布") }
    var thresholds: String { pick("Thresholds", "阈值检查") }
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
    var verdict: String { pick("Verdict", "结论") }
    var serverP50: String { pick("Server P50", "服务端 P50") }
    var serverP99: String { pick("Server P99", "服务端 P99") }
    var requests: String { pick("Requests", "查询数") }
    var share: String { pick("Share", "查询占比") }
    var cpuDuringLoad: String { pick("CPU during load", "负载期间CPU") }
    var recall: String { pick("Recall", "召回率") }
    var recallP5: String { pick("Recall P5", "召回率 P5") }
    var recallP50: String { pick("Recall P50", "召回率 P50") }
    var nodes: String { pick("Nodes", "节点") }
    var searches: String { pick("Searches", "查询数") }
    func parameter(_ p: String) -> String { p == "replicas" ? pick("Replicas", "副本数") : p }
    var sweepP99: String { pick("P99", "P99延迟") }
    var expression: String { pick("Threshold", "阈值") }
    var observed: String { pick("Observed", "观测值") }
    var result: String { pick("Result", "结果") }
    var note: String { pick("Note", "说明") }
    var pass: String { pick("pass", "通过") }
    var fail: String { pick("FAIL", "未通过") }
    var notMeasured: String { pick("not measured", "未测得") }
    var latency: String { pick("Latency", "延迟") }
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

    // Environment keys
    var tool: String { pick("Tool", "工具") }
    var scenarioFile: String { pick("Scenario", "场景文件") }
    var server: String { pick("Server", "服务器") }
    var queryNodes: String { pick("Query nodes", "查询节点数") }
    var started: String { pick("Started (UTC)", "开始时间 (UTC)") }
    var ended: String { pick("Ended (UTC)", "结束时间 (UTC)") }
    var host: String { pick("Host", "主机") }
    var client: String { pick("Client cost", "客户端开销") }

    // Step notes: the runner records a code and values; the code carries its words.
    var notes: String { pick("Notes", "备注") }
    func note(_ n: StepNote) -> String { zh ? n.chinese : n.description }
}
