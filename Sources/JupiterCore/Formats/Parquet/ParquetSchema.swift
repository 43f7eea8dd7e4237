/// A leaf column: where its values sit in the nesting, and how its values become JSON.
struct ParquetLeaf: Sendable {
    /// Dotted path (`messages.list.element.content`).
    var path: String
    var physical: PhysicalType
    var logical: LogicalType?
    var typeLength: Int
    var maxDefinition: Int
    var maxRepetition: Int
}

/// How rows are put together from leaf columns (Dremel record assembly), derived from the
/// schema: structs, lists (3-level `LIST`, the legacy 2-level forms, bare `repeated` fields)
/// and maps.
indirect enum ParquetShape: Sendable {
    /// A leaf value: present when its definition level is `definition` (the leaf's maximum).
    case value(leaf: Int, definition: Int)
    /// A struct: null when the first leaf's definition level is below `definition`.
    case object(fields: [(String, ParquetShape)], definition: Int, leaves: Range<Int>)
    /// A list: null below `definition`, empty below `elements`, continued while the next entry's
    /// repetition level is `repetition`.
    case list(element: ParquetShape, definition: Int, elements: Int, repetition: Int, leaves: Range<Int>)
    /// A map (list of key/value structs), given as a JSON object keyed by the key's text.
    case map(key: ParquetShape, value: ParquetShape, definition: Int, elements: Int, repetition: Int, leaves: Range<Int>)

}

/// The schema of a Parquet file: its leaf columns and how they assemble into rows.
public struct ParquetSchema: Sendable {
    /// Top-level column names, in order.
    public var columnNames: [String]
    var leaves: [ParquetLeaf]
    /// The row: an object of the top-level columns.
    var row: ParquetShape
    /// Columns Jupiter cannot read, with the reason (`column 'x': type INT96 …`).
    var unsupported: [(column: String, reason: String)]

    init(_ elements: [SchemaElement]) throws(ParquetError) {
        guard let root = elements.first else { throw ParquetError(.corrupt, "empty schema") }
        var leaves: [ParquetLeaf] = []
        var unsupported: [(String, String)] = []
        var index = 1

        /// A parsed subtree.
        final class Node {
            let element: SchemaElement
            var children: [Node] = []
            let path: String
            init(_ e: SchemaElement, path: String) { element = e; self.path = path }
        }
        func parse(_ parentPath: String, depth: Int) throws(ParquetError) -> Node {
            guard index < elements.count else { throw ParquetError(.corrupt, "schema: fewer elements than announced") }
            guard depth < 64 else { throw ParquetError(.corrupt, "schema nested deeper than 64") }
            let e = elements[index]
            index += 1
            let node = Node(e, path: parentPath.isEmpty ? e.name : parentPath + "." + e.name)
            for _ in 0..<e.numChildren { node.children.append(try parse(node.path, depth: depth + 1)) }
            return node
        }
        var top: [Node] = []
        for _ in 0..<root.numChildren { top.append(try parse("", depth: 0)) }
        guard index == elements.count else { throw ParquetError(.corrupt, "schema: more elements than announced") }

        func levels(_ e: SchemaElement, _ d: Int, _ r: Int) -> (Int, Int) {
            (d + (e.repetition == .required ? 0 : 1), r + (e.repetition == .repeated ? 1 : 0))
        }
        func leaf(_ n: Node, definition d: Int, repetition r: Int) -> ParquetShape {
            let e = n.element
            let i = leaves.count
            if let reason = Self.unsupportedReason(e) { unsupported.append((n.path, reason)) }
            leaves.append(
                ParquetLeaf(
                    path: n.path, physical: e.type ?? .byteArray, logical: e.logical,
                    typeLength: e.typeLength, maxDefinition: d, maxRepetition: r))
            return .value(leaf: i, definition: d)
        }
        /// The shape of `n` given the levels *including* `n` itself, ignoring its own repetition
        /// (used for list elements and for the node under a repeated field).
        func shapeInside(_ n: Node, definition d: Int, repetition r: Int) -> ParquetShape {
            let e = n.element
            if n.children.isEmpty { return leaf(n, definition: d, repetition: r) }
            let first = leaves.count
            if e.logical == .list, n.children.count == 1, n.children[0].element.repetition == .repeated {
                return listShape(of: n.children[0], listName: e.name, definition: d, repetition: r, first: first)
            }
            if e.logical == .map, n.children.count == 1, n.children[0].element.repetition == .repeated,
                n.children[0].children.count == 2
            {
                let kv = n.children[0]
                let (ed, er) = levels(kv.element, d, r)
                let key = shape(kv.children[0], definition: ed, repetition: er)
                let value = shape(kv.children[1], definition: ed, repetition: er)
                return .map(
                    key: key, value: value, definition: d, elements: ed, repetition: er,
                    leaves: first..<leaves.count)
            }
            var fields: [(String, ParquetShape)] = []
            for c in n.children { fields.append((c.element.name, shape(c, definition: d, repetition: r))) }
            return .object(fields: fields, definition: d, leaves: first..<leaves.count)
        }
        /// A list whose repeated node is `repeated`; `listName` is the name of the `LIST` group
        /// around it (nil for a bare repeated field, whose node is the element itself).
        func listShape(of repeated: Node, listName: String?, definition d: Int, repetition r: Int, first: Int)
            -> ParquetShape
        {
            let (ed, er) = levels(repeated.element, d, r)
            let element: ParquetShape
            let re = repeated.element
            // Backward-compatibility rules of the LIST specification: the repeated node is the
            // element itself when it is a primitive, has several fields, or is named `array` or
            // `<list>_tuple`; otherwise its one child is the element.
            if listName == nil || repeated.children.count != 1 || re.name == "array"
                || re.name == (listName ?? "") + "_tuple"
            {
                element = shapeInside(repeated, definition: ed, repetition: er)
            } else {
                element = shape(repeated.children[0], definition: ed, repetition: er)
            }
            return .list(element: element, definition: d, elements: ed, repetition: er, leaves: first..<leaves.count)
        }
        /// The shape of `n` under a parent at levels (d, r).
        func shape(_ n: Node, definition d: Int, repetition r: Int) -> ParquetShape {
            if n.element.repetition == .repeated {
                // A bare repeated field: a list that is never null.
                return listShape(of: n, listName: nil, definition: d, repetition: r, first: leaves.count)
            }
            let (nd, nr) = levels(n.element, d, r)
            return shapeInside(n, definition: nd, repetition: nr)
        }
        var fields: [(String, ParquetShape)] = []
        for n in top { fields.append((n.element.name, shape(n, definition: 0, repetition: 0))) }
        self.columnNames = top.map(\.element.name)
        self.leaves = leaves
        self.row = .object(fields: fields, definition: 0, leaves: 0..<leaves.count)
        self.unsupported = unsupported
        for (i, l) in leaves.enumerated() where l.maxDefinition > 255 || l.maxRepetition > 255 {
            self.unsupported.append((leaves[i].path, "nested more than 255 levels deep"))
        }
    }

    /// Why a leaf's type cannot be read, or nil.
    static func unsupportedReason(_ e: SchemaElement) -> String? {
        guard let type = e.type else { return "physical type \(e.rawType.map(String.init) ?? "missing") is unknown" }
        let what = "type \(type.name)" + (e.logical.map { " (\($0.name))" } ?? "")
        switch (type, e.logical) {
        case (_, .other?): return what + " is not supported"
        case (.fixedLenByteArray, .decimal?) where e.typeLength > 16,
            (.byteArray, .decimal?):
            return what + " is not supported (decimals wider than 16 bytes)"
        case (.fixedLenByteArray, _) where e.typeLength <= 0: return what + " has no length"
        case (.fixedLenByteArray, .float16?) where e.typeLength != 2: return what + " must be 2 bytes"
        case (.fixedLenByteArray, .uuid?) where e.typeLength != 16: return what + " must be 16 bytes"
        default: return nil
        }
    }

    /// Problems that would stop `path` from being read, one per line, each naming the column and
    /// its type (or the codec or encoding it uses). Empty when Jupiter reads every column. The
    /// recipe validator reports them for Parquet sources.
    public static func unsupportedColumns(_ path: String) throws(ParquetError) -> [String] {
        let file = try ParquetFile(path: path)
        var problems = file.schema.unsupported.map { "column '\($0.column)': \($0.reason)" }
        var seen = Set(problems)
        for group in file.metadata.rowGroups {
            for (i, c) in group.columns.enumerated() where i < file.schema.leaves.count {
                let column = file.schema.leaves[i].path
                var issues: [String] = []
                if !(CompressionCodec(rawValue: c.codec)?.isSupported ?? false) {
                    issues.append("compression \(CompressionCodec.name(c.codec)) is not supported")
                }
                for enc in c.encodings where !ParquetColumnReader.readableEncodings.contains(enc) {
                    issues.append("encoding \(Encoding.name(enc)) is not supported")
                }
                for issue in issues {
                    let line = "column '\(column)': \(issue)"
                    if seen.insert(line).inserted { problems.append(line) }
                }
            }
        }
        return problems
    }
}
