import ArgumentParser
import CDeflate
import Foundation
import JupiterCore

/// `jupiter-bench deflate`: the run's drop-record compression (``GzipDeflater`` at level 1,
/// Jupiter's own encoder) against libdeflate's level 1 (its encoder before), one gzip member per
/// input file as a run writes one per batch, on one thread. Every Jupiter member is inflated by
/// zlib and compared with its input first. Rounds alternate the two; each side's best round
/// counts. Prints one JSON line.
struct DeflateBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deflate", abstract: "Time level-1 gzip members: Jupiter's encoder against libdeflate's.")
    @Argument(help: "Input files, one member each (`.gz` files are inflated first: a run's batch drop files).")
    var files: [String]
    @Option(help: "Rounds per side.") var rounds: Int = 5

    func run() throws {
        var inputs: [[UInt8]] = []
        for f in files {
            let raw = try FileSystem.read(f)
            inputs.append(f.hasSuffix(".gz") ? try GzipInflater.decompress(raw, path: f) : raw)
        }
        let bytes = inputs.reduce(0) { $0 + $1.count }
        guard bytes > 0 else { throw ValidationError("the inputs hold no bytes") }

        let jupiter = try GzipDeflater(level: 1)
        var jupiterBytes = 0
        for input in inputs {
            var member: [UInt8] = []
            input.withUnsafeBytes { jupiter.member($0, into: &member) }
            guard try GzipInflater.decompress(member, path: "<member>") == input else {
                throw ValidationError("a Jupiter member did not inflate to its input")
            }
            jupiterBytes += member.count
        }
        guard let peer = libdeflate_alloc_compressor(1) else { throw ValidationError("libdeflate: no level 1") }
        defer { libdeflate_free_compressor(peer) }
        let bound = inputs.map { libdeflate_gzip_compress_bound(peer, $0.count) }.max() ?? 0
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: bound, alignment: 16)
        defer { scratch.deallocate() }
        var peerBytes = 0
        var best = (jupiter: Double.infinity, peer: Double.infinity)
        var out: [UInt8] = []
        out.reserveCapacity(bound + 64)
        for _ in 0..<max(1, rounds) {
            var t0 = Date()
            for input in inputs {
                out.removeAll(keepingCapacity: true)
                input.withUnsafeBytes { jupiter.member($0, into: &out) }
            }
            best.jupiter = min(best.jupiter, Date().timeIntervalSince(t0))
            t0 = Date()
            peerBytes = 0
            for input in inputs {
                peerBytes += input.withUnsafeBytes {
                    libdeflate_gzip_compress(peer, $0.baseAddress, $0.count, scratch.baseAddress, bound)
                }
            }
            best.peer = min(best.peer, Date().timeIntervalSince(t0))
        }
        let mb = Double(bytes) / 1e6
        print(
            JSONWriter.string(
                .object([
                    "files": .int(inputs.count), "input_bytes": .int(bytes),
                    "jupiter_bytes": .int(jupiterBytes), "libdeflate_bytes": .int(peerBytes),
                    "jupiter_seconds": .double(best.jupiter), "libdeflate_seconds": .double(best.peer),
                    "jupiter_mb_per_s": .double(mb / best.jupiter), "libdeflate_mb_per_s": .double(mb / best.peer)
                ])))
    }
}
