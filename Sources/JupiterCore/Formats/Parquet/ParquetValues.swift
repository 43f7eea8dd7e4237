/// How a leaf column's physical values become JSON values (the same for every reader):
///
/// | Parquet | JSON |
/// |---|---|
/// | BOOLEAN | `true` / `false` |
/// | INT32, INT64, signed or unsigned INTEGER | number |
/// | FLOAT, DOUBLE, FLOAT16 | number (NaN and infinities: `null`) |
/// | DECIMAL (INT32, INT64, FIXED_LEN_BYTE_ARRAY up to 16 bytes) | number, exactly as written (`12.50`) |
/// | STRING / UTF8, ENUM, JSON | string (invalid UTF-8 replaced by U+FFFD) |
/// | DATE | `"2024-03-01"` |
/// | TIME | `"13:45:00.250"` (3, 6 or 9 fraction digits by unit) |
/// | TIMESTAMP, INT96 | ISO 8601 text: `"2024-03-01T13:45:00.250000Z"`, fraction digits by unit, `Z` when UTC-adjusted |
/// | UUID | `"0f8fad5b-d9cb-469f-a165-70867728950e"` |
/// | BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY without a text type, BSON | base64 string |
struct ParquetValueConverter: Sendable {
    private enum Mode: Sendable {
        case boolean, int32, uint32, int64, uint64, float, double, int96
        case date, time(TimeUnit), timestamp(TimeUnit, utc: Bool), decimal(scale: Int)
        case string, base64, uuid, float16
    }
    private let mode: Mode
    /// Bytes per value of fixed-width physical types (0 for BYTE_ARRAY and BOOLEAN).
    let width: Int
    let physical: PhysicalType

    init(_ leaf: ParquetLeaf) {
        physical = leaf.physical
        switch leaf.physical {
        case .boolean: width = 0
        case .int32, .float: width = 4
        case .int64, .double: width = 8
        case .int96: width = 12
        case .byteArray: width = 0
        case .fixedLenByteArray: width = leaf.typeLength
        }
        switch (leaf.physical, leaf.logical) {
        case (.boolean, _): mode = .boolean
        case (.int32, .integer(_, false)?): mode = .uint32
        case (.int32, .date?): mode = .date
        case (.int32, .time(_, let u)?), (.int64, .time(_, let u)?): mode = .time(u)
        case (.int32, .decimal(let s, _)?), (.int64, .decimal(let s, _)?), (.fixedLenByteArray, .decimal(let s, _)?):
            mode = .decimal(scale: s)
        case (.int32, _): mode = .int32
        case (.int64, .integer(_, false)?): mode = .uint64
        case (.int64, .timestamp(let utc, let u)?): mode = .timestamp(u, utc: utc)
        case (.int64, _): mode = .int64
        case (.int96, _): mode = .int96
        case (.float, _): mode = .float
        case (.double, _): mode = .double
        case (_, .string?), (_, .enumeration?), (_, .json?): mode = .string
        case (.fixedLenByteArray, .uuid?): mode = .uuid
        case (.fixedLenByteArray, .float16?): mode = .float16
        default: mode = .base64
        }
    }

    /// An INT32 physical value.
    func int32(_ v: Int32) -> JSONValue {
        switch mode {
        case .uint32: return .number(String(UInt32(bitPattern: v)))
        case .date: return .string(Self.dateText(days: Int64(v)))
        case .time(let u): return .string(Self.timeText(Int64(v), unit: u))
        case .decimal(let s): return .number(Self.decimalText(negative: v < 0, hi: 0, lo: UInt64(v.magnitude), scale: s))
        default: return .number(String(v))
        }
    }

    /// An INT64 physical value.
    func int64(_ v: Int64) -> JSONValue {
        switch mode {
        case .uint64: return .number(String(UInt64(bitPattern: v)))
        case .timestamp(let u, let utc): return .string(Self.timestampText(v, unit: u, utc: utc))
        case .time(let u): return .string(Self.timeText(v, unit: u))
        case .decimal(let s): return .number(Self.decimalText(negative: v < 0, hi: 0, lo: v.magnitude, scale: s))
        default: return .number(String(v))
        }
    }

    /// A fixed-width value at `p` (INT32…DOUBLE, INT96, FIXED_LEN_BYTE_ARRAY).
    func fixed(_ p: UnsafeRawPointer) -> JSONValue {
        switch physical {
        case .int32: return int32(Int32(littleEndian: p.loadUnaligned(as: Int32.self)))
        case .int64: return int64(Int64(littleEndian: p.loadUnaligned(as: Int64.self)))
        case .float: return .double(Double(Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))))
        case .double: return .double(Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))))
        case .int96:
            let nanos = Int64(littleEndian: p.loadUnaligned(as: Int64.self))
            let julian = Int64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
            return .string(Self.timestampText((julian - 2_440_588) &* 86_400_000_000_000 &+ nanos, unit: .nanos, utc: false))
        default: return bytes(UnsafeRawBufferPointer(start: p, count: width))
        }
    }

    /// A byte-array value (BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY).
    func bytes(_ b: UnsafeRawBufferPointer) -> JSONValue {
        switch mode {
        case .string: return .string(String(decoding: b, as: UTF8.self))
        case .decimal(let s):
            // Big-endian two's complement of up to 16 bytes, as a 128-bit magnitude in two halves.
            let negative = (b.first ?? 0) & 0x80 != 0
            var hi: UInt64 = negative ? .max : 0, lo: UInt64 = negative ? .max : 0
            for byte in b {
                hi = hi << 8 | lo >> 56
                lo = lo << 8 | UInt64(byte)
            }
            if negative {
                lo = ~lo &+ 1
                hi = ~hi &+ (lo == 0 ? 1 : 0)
            }
            return .number(Self.decimalText(negative: negative, hi: hi, lo: lo, scale: s))
        case .uuid:
            let hex = Array("0123456789abcdef".utf8)
            var out: [UInt8] = []
            for (i, byte) in b.enumerated() {
                if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
                out.append(hex[Int(byte >> 4)]); out.append(hex[Int(byte & 15)])
            }
            return .string(String(decoding: out, as: UTF8.self))
        case .float16:
            guard b.count == 2 else { return .null }
            return .double(Self.half(UInt16(b[0]) | UInt16(b[1]) << 8))
        default: return .string(Base64.encode(b))
        }
    }

    static func half(_ h: UInt16) -> Double {
        let sign: Double = h & 0x8000 != 0 ? -1 : 1
        let exp = Int((h >> 10) & 0x1F), frac = Double(h & 0x3FF)
        if exp == 0 { return sign * frac * 0x1p-24 }
        if exp == 31 { return frac == 0 ? sign * .infinity : .nan }
        return sign * (1 + frac / 1024) * Double(sign: .plus, exponent: exp - 15, significand: 1)
    }

    // MARK: Text forms

    /// `-12.50` from the unscaled magnitude 1250 (128 bits as `hi`, `lo`), its sign and scale 2.
    static func decimalText(negative: Bool, hi: UInt64, lo: UInt64, scale: Int) -> String {
        var hi = hi, lo = lo
        var reversed: [UInt8] = []
        repeat {
            let (qh, rh) = hi.quotientAndRemainder(dividingBy: 10)
            let (ql, r) = UInt64(10).dividingFullWidth((rh, lo))
            hi = qh
            lo = ql
            reversed.append(UInt8(ascii: "0") + UInt8(r))
        } while hi != 0 || lo != 0
        var digits = String(decoding: reversed.reversed(), as: UTF8.self)
        if scale <= 0 {
            if digits != "0" { digits += String(repeating: "0", count: -scale) }
        } else {
            if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        }
        return negative ? "-" + digits : digits
    }

    /// The civil date of a day count since 1970-01-01 (proleptic Gregorian).
    static func civil(days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    private static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v.magnitude)
        return (v < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - s.count)) + s
    }

    static func dateText(days: Int64) -> String {
        let (y, m, d) = civil(days: days)
        return pad(y, 4) + "-" + pad(Int64(m), 2) + "-" + pad(Int64(d), 2)
    }

    private static func split(_ v: Int64, unit: TimeUnit) -> (seconds: Int64, fraction: Int64, digits: Int) {
        let per: Int64 =
            switch unit {
            case .millis: 1000
            case .micros: 1_000_000
            case .nanos: 1_000_000_000
            }
        let digits = unit == .millis ? 3 : unit == .micros ? 6 : 9
        var s = v / per, f = v % per
        if f < 0 { f += per; s -= 1 }
        return (s, f, digits)
    }

    private static func clock(_ secondsOfDay: Int64) -> String {
        pad(secondsOfDay / 3600, 2) + ":" + pad(secondsOfDay / 60 % 60, 2) + ":" + pad(secondsOfDay % 60, 2)
    }

    static func timeText(_ v: Int64, unit: TimeUnit) -> String {
        let (s, f, digits) = split(v, unit: unit)
        return clock(s) + "." + pad(f, digits)
    }

    static func timestampText(_ v: Int64, unit: TimeUnit, utc: Bool) -> String {
        let (s, f, digits) = split(v, unit: unit)
        var days = s / 86_400, rest = s % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        return dateText(days: days) + "T" + clock(rest) + "." + pad(f, digits) + (utc ? "Z" : "")
    }
}

/// Standard base64 (RFC 4648, with padding).
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ b: UnsafeRawBufferPointer) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((b.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= b.count {
            let v = UInt32(b[i]) << 16 | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2])
            for shift in [18, 12, 6, 0] { out.append(alphabet[Int((v >> UInt32(shift)) & 63)]) }
            i += 3
        }
        let rest = b.count - i
        if rest > 0 {
            let v = UInt32(b[i]) << 16 | (rest == 2 ? UInt32(b[i + 1]) << 8 : 0)
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            out.append(rest == 2 ? alphabet[Int(v >> 6 & 63)] : UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }
}
