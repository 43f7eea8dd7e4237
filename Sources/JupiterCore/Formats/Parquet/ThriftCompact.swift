/// Thrift compact protocol: the encoding of Parquet's footer (`FileMetaData`) and page headers.
///
/// Only what Parquet uses: structs of fields with ids, varint/zigzag integers, binary, doubles,
/// lists and booleans folded into field headers. Unknown fields are skipped, so files written
/// by newer writers still read.
enum ThriftType: UInt8 {
    case stop = 0, boolTrue = 1, boolFalse = 2, byte = 3, i16 = 4, i32 = 5, i64 = 6, double = 7, binary = 8,
        list = 9, set = 10, map = 11, structure = 12
}

/// Reads compact-protocol values from a byte buffer. A reference type so that field handlers
/// can read nested values from the same reader.
final class ThriftReader {
    private let bytes: [UInt8]
    /// Next byte to read.
    private(set) var position: Int

    /// A reader over `bytes` starting at `position`.
    init(_ bytes: [UInt8], position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    private func fail(_ message: String) -> ParquetError { ParquetError(.corrupt, "Thrift metadata: " + message) }

    func byte() throws(ParquetError) -> UInt8 {
        guard position < bytes.count else { throw ParquetError(.truncated, "Thrift metadata: unexpected end of data") }
        defer { position += 1 }
        return bytes[position]
    }

    func varint() throws(ParquetError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw fail("varint longer than 10 bytes") }
        }
    }

    func i64() throws(ParquetError) -> Int64 {
        let v = try varint()
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    func i32() throws(ParquetError) -> Int32 {
        let v = try i64()
        guard let r = Int32(exactly: v) else { throw fail("integer \(v) out of 32-bit range") }
        return r
    }

    /// A 32-bit integer field that must be a non-negative count or size.
    func count() throws(ParquetError) -> Int {
        let v = try i64()
        guard v >= 0, v <= Int64(Int32.max) else { throw fail("size \(v) out of range") }
        return Int(v)
    }

    func binary() throws(ParquetError) -> ArraySlice<UInt8> {
        let n = try varint()
        guard n <= UInt64(bytes.count - position) else {
            throw ParquetError(.truncated, "Thrift metadata: unexpected end of data")
        }
        defer { position += Int(n) }
        return bytes[position..<position + Int(n)]
    }

    func string() throws(ParquetError) -> String { String(decoding: try binary(), as: UTF8.self) }

    func double() throws(ParquetError) -> Double {
        var bits: UInt64 = 0
        for i in 0..<8 { bits |= UInt64(try byte()) << (8 * UInt64(i)) }
        return Double(bitPattern: bits)
    }

    /// A list header: element count and element type.
    func listHeader() throws(ParquetError) -> (count: Int, type: UInt8) {
        let h = try byte()
        var n = Int(h >> 4)
        if n == 15 {
            let v = try varint()
            guard v <= UInt64(bytes.count) else { throw fail("list of \(v) elements") }
            n = Int(v)
        }
        return (n, h & 0x0F)
    }

    /// Reads a list whose elements `element` reads.
    func list<T>(_ element: (ThriftReader) throws(ParquetError) -> T) throws(ParquetError) -> [T] {
        let (n, _) = try listHeader()
        var out: [T] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try element(self)) }
        return out
    }

    /// Reads the fields of a struct up to its stop byte. `handle` gets each field's id and type
    /// and returns false for fields it does not read, which are skipped.
    func fields(_ handle: (ThriftReader, Int16, UInt8) throws(ParquetError) -> Bool) throws(ParquetError) {
        var last: Int16 = 0
        while true {
            let h = try byte()
            if h == 0 { return }
            let type = h & 0x0F
            let delta = h >> 4
            let id: Int16
            if delta == 0 {
                let v = try i64()
                guard let i = Int16(exactly: v) else { throw fail("field id \(v)") }
                id = i
            } else {
                id = last &+ Int16(delta)
            }
            last = id
            if try !handle(self, id, type) { try skip(type) }
        }
    }

    /// Skips one value of `type`.
    func skip(_ type: UInt8, depth: Int = 0) throws(ParquetError) {
        guard depth < 64 else { throw fail("nesting deeper than 64") }
        switch ThriftType(rawValue: type) {
        case .boolTrue?, .boolFalse?: return
        case .byte?: _ = try byte()
        case .i16?, .i32?, .i64?: _ = try varint()
        case .double?: position += 8
        case .binary?: _ = try binary()
        case .list?, .set?:
            let (n, t) = try listHeader()
            for _ in 0..<n {
                if t == ThriftType.boolTrue.rawValue || t == ThriftType.boolFalse.rawValue {
                    _ = try byte()
                } else {
                    try skip(t, depth: depth + 1)
                }
            }
        case .map?:
            let n = try varint()
            guard n <= UInt64(bytes.count) else { throw fail("map of \(n) entries") }
            if n > 0 {
                let kv = try byte()
                for _ in 0..<n {
                    try skip(kv >> 4, depth: depth + 1)
                    try skip(kv & 0x0F, depth: depth + 1)
                }
            }
        case .structure?:
            try fields { (r, _, t) throws(ParquetError) in
                try r.skip(t, depth: depth + 1); return true
            }
        case .stop?, nil: throw fail("unknown field type \(type)")
        }
        guard position <= bytes.count else { throw ParquetError(.truncated, "Thrift metadata: unexpected end of data") }
    }
}

/// Writes compact-protocol structs. Fields must be written in increasing id order.
struct ThriftWriter {
    /// The bytes written so far.
    private(set) var bytes: [UInt8] = []
    private var lastField: [Int16] = [0]

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    private mutating func zigzag(_ v: Int64) { varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }

    private mutating func fieldHeader(_ id: Int16, _ type: ThriftType) {
        let last = lastField[lastField.count - 1]
        let delta = id - last
        if delta > 0 && delta <= 15 {
            bytes.append(UInt8(delta) << 4 | type.rawValue)
        } else {
            bytes.append(type.rawValue)
            zigzag(Int64(id))
        }
        lastField[lastField.count - 1] = id
    }

    mutating func i32(_ id: Int16, _ v: Int32) { fieldHeader(id, .i32); zigzag(Int64(v)) }
    mutating func i64(_ id: Int16, _ v: Int64) { fieldHeader(id, .i64); zigzag(v) }
    mutating func bool(_ id: Int16, _ v: Bool) { fieldHeader(id, v ? .boolTrue : .boolFalse) }
    mutating func string(_ id: Int16, _ v: String) {
        fieldHeader(id, .binary)
        varint(UInt64(v.utf8.count))
        bytes.append(contentsOf: v.utf8)
    }

    /// A struct field whose members `body` writes.
    mutating func structure(_ id: Int16, _ body: (inout ThriftWriter) -> Void) {
        fieldHeader(id, .structure)
        beginStruct()
        body(&self)
        endStruct()
    }

    /// A list field of `count` elements of `type`; `body` writes the elements.
    mutating func list(_ id: Int16, _ type: ThriftType, count: Int, _ body: (inout ThriftWriter) -> Void) {
        fieldHeader(id, .list)
        if count < 15 {
            bytes.append(UInt8(count) << 4 | type.rawValue)
        } else {
            bytes.append(0xF0 | type.rawValue)
            varint(UInt64(count))
        }
        body(&self)
    }

    /// A list element: an i32.
    mutating func element(_ v: Int32) { zigzag(Int64(v)) }
    /// A list element: a string.
    mutating func element(_ v: String) { varint(UInt64(v.utf8.count)); bytes.append(contentsOf: v.utf8) }
    /// A list element: a struct whose members `body` writes.
    mutating func element(_ body: (inout ThriftWriter) -> Void) {
        beginStruct()
        body(&self)
        endStruct()
    }

    private mutating func beginStruct() { lastField.append(0) }
    private mutating func endStruct() {
        bytes.append(0)
        lastField.removeLast()
    }

    /// The bytes of one top-level struct whose members `body` writes.
    static func encode(_ body: (inout ThriftWriter) -> Void) -> [UInt8] {
        var w = ThriftWriter()
        body(&w)
        w.bytes.append(0)
        return w.bytes
    }
}
