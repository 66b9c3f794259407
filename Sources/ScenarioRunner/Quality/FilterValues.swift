import MilvusClient
import ScenarioSpec

extension ColumnData {
    /// Row `i` as a filter value; nil for vectors.
    func filterValue(_ i: Int) -> FilterExpression.Value? {
        switch self {
        case .int64(let v): return .number(Double(v[i]))
        case .int32(let v), .int16(let v), .int8(let v): return .number(Double(v[i]))
        case .float(let v): return .number(Double(v[i]))
        case .double(let v): return .number(v[i])
        case .bool(let v): return .bool(v[i])
        case .varchar(let v): return .text(v[i])
        default: return nil  // vectors, JSON and arrays are not filtered by the recall probe
        }
    }
}
