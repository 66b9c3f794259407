import Foundation

/// One CSV file per table (RFC 4180: CRLF line ends, fields with `,` `"` or line breaks quoted,
/// quotes doubled), UTF-8, stable English column ids in the header row.
enum CSVWriter {
    static func render(_ t: ReportTable) -> String {
        var out = t.columns.map { field($0.id) }.joined(separator: ",") + "\r\n"
        for row in t.rows { out += row.map { field($0.raw) }.joined(separator: ",") + "\r\n" }
        return out
    }

    static func field(_ s: String) -> String {
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }
}
