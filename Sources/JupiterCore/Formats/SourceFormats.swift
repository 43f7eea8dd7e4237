/// Opens sources: picks the unit reader and the decoder for a format.
public enum SourceFormats {
    /// A reader over the source files (one file; two for Moses) and the decoder for its units.
    public static func open(_ format: Format, paths: [String], options: FormatOptions) throws(IOError)
        -> (reader: any SourceUnitReader, decoder: any UnitDecoder)
    {
        guard let path = paths.first else { throw IOError(path: "<none>", "no input file") }
        switch format {
        case .openaiMessages, .parallelJSONL, .openaiEvals:
            return (try LineUnitReader(path: path, maxLineBytes: options.maxLineBytes),
                    NativeJSONLDecoder(kind: format.recordKind))
        case .parallelTSV:
            return (try LineUnitReader(path: path, maxLineBytes: options.maxLineBytes),
                    ParallelTSVDecoder(languages: options.languages))
        default:
            throw IOError(path: path, "format '\(format.rawValue)' is not supported yet")
        }
    }

    /// Guesses the format of a file from its name and first record.
    public static func detect(path: String) throws(IOError) -> Format? {
        let name = FileSystem.baseName(path).lowercased()
        if name.hasSuffix(".tsv") || name.hasSuffix(".tsv.gz") { return .parallelTSV }
        let reader = try LineReader(path: path, maxLineBytes: 16 << 20)
        while let line = try reader.next() {
            if line.tooLong { continue }
            guard let value = try? JSONParser.parse(line.bytes) else {
                if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                return nil
            }
            switch NativeCodec.detectKind(value) {
            case .conversation: return .openaiMessages
            case .pair: return .parallelJSONL
            case .eval: return .openaiEvals
            case .document: return .documents
            case .norm: return .culturebank
            case nil: return nil
            }
        }
        return nil
    }
}
