import JupiterCore

/// Whether a conversation's assistant turns carry reasoning.
public enum ConversationReasoning: UInt8, Sendable {
    /// No assistant turn (nothing to switch).
    case none = 0
    /// Assistant turns without reasoning (reasoning off).
    case off = 1
    /// At least one assistant turn with reasoning (reasoning on).
    case on = 2

    /// The mode of a record: conversations by their assistant turns; other kinds `.none`.
    public init(_ record: Record) {
        guard case .conversation(let c) = record else { self = .none; return }
        var sawAssistant = false
        for m in c.messages where m.role == .assistant {
            if m.reasoning != nil { self = .on; return }
            sawAssistant = true
        }
        self = sawAssistant ? .off : .none
    }
}

/// What the scan of one dataset found: per record (in file order) its size in mixture units
/// and tokens, and its reasoning mode.
public struct MixPool: Sendable {
    /// Dataset name.
    public var name: String
    /// Size of each record in the mixture's unit (1 per record when the unit is records).
    public var units: [Int]
    /// Tokens of each record (counted or estimated).
    public var tokens: [Int]
    /// Reasoning mode of each record.
    public var reasoning: [ConversationReasoning]
    /// Records that may not be chosen (e.g. overlapping an evaluation set); empty: none.
    public var excluded: Set<Int>

    /// Creates a pool.
    public init(name: String, units: [Int], tokens: [Int], reasoning: [ConversationReasoning], excluded: Set<Int> = []) {
        self.name = name
        self.units = units
        self.tokens = tokens
        self.reasoning = reasoning
        self.excluded = excluded
    }

    /// Total units of the records that may be chosen.
    public var totalUnits: Int {
        excluded.isEmpty ? units.reduce(0, +) : units.indices.reduce(0) { excluded.contains($1) ? $0 : $0 + units[$1] }
    }
}

/// Which records of each dataset go into the mixture: a pure, seeded function of the pools and
/// the settings, so the same inputs always give the same mixture.
public struct MixSelection: Sendable {
    /// Per dataset (recipe order): the chosen record indices, a record appearing more than once
    /// when it is repeated.
    public var picks: [[Int]]
    /// Total units the mixture aimed for.
    public var targetTotal: Double
    /// Per dataset: the units it aimed for.
    public var targets: [Double]
    /// Problems worth telling the user (budget not reached, reasoning share not reachable, …).
    public var warnings: [String]

    /// Chooses records.
    ///
    /// Each dataset's records are visited in a seeded random order and taken while that brings
    /// the dataset closer to its target (so a dataset overshoots or undershoots by less than one
    /// record). With ``MixConfig/reasoningOn``, a dataset holding both reasoning-on and
    /// reasoning-off conversations is visited with the two kinds interleaved so that the share of
    /// reasoning-on *conversations* taken is the target; when one kind runs out the other fills
    /// the dataset's weight, and a warning gives the share reached.
    public static func choose(_ pools: [MixPool], config: MixConfig, seed: UInt64) -> MixSelection {
        var weights = config.normalisedWeights
        var warnings: [String] = []
        let available = pools.map { Double($0.totalUnits) }
        // A dataset left empty by its stages (everything dropped) would make the mixture empty:
        // it is left out instead, the other weights renormalised, and the warning says so.
        let empty = pools.indices.filter { available[$0] == 0 && weights[$0] > 0 }
        if !empty.isEmpty && empty.count < pools.count {
            for i in empty {
                warnings.append("dataset '\(pools[i].name)' has no records: left out of the mixture, the other weights renormalised")
                weights[i] = 0
            }
            let sum = weights.reduce(0, +)
            weights = weights.map { $0 / sum }
        }
        // The largest total every dataset can supply without repeats.
        var limit = Double.infinity
        var limiting = ""
        for (i, w) in weights.enumerated() where w > 0 {
            let t = available[i] / w
            if t < limit { limit = t; limiting = pools[i].name }
        }
        if !limit.isFinite { limit = 0 }
        var total: Double
        if let budget = config.budget {
            total = Double(budget)
            if !config.repeatRecords && total > limit {
                warnings.append(
                    "budget of \(budget) \(config.unit.rawValue) not reached: dataset '\(limiting)' holds "
                        + "\(Int(available[pools.firstIndex { $0.name == limiting } ?? 0])) \(config.unit.rawValue), "
                        + "enough for a mixture of \(Int(limit.rounded(.down))) at its weight; set 'repeat: true' "
                        + "to repeat records instead")
                total = limit
            }
        } else {
            total = limit
        }
        var picks: [[Int]] = []
        var targets: [Double] = []
        for (i, pool) in pools.enumerated() {
            let target = total * weights[i]
            targets.append(target)
            var rng = SeededRandom(seed, "mix", pool.name)
            var order = Array(pool.units.indices)
            order.shuffle(using: &rng)
            if !pool.excluded.isEmpty { order.removeAll { pool.excluded.contains($0) } }
            let allowRepeat = config.repeatRecords
            var visit: Visit = .single(Cycle(order, repeating: allowRepeat))
            var share: Double?
            if let r = config.reasoningOn {
                let on = order.filter { pool.reasoning[$0] == .on }
                let off = order.filter { pool.reasoning[$0] != .on }
                if !on.isEmpty && !off.isEmpty {
                    visit = .interleaved(
                        on: Cycle(on, repeating: allowRepeat), off: Cycle(off, repeating: allowRepeat),
                        share: r)
                    share = r
                }
            }
            let chosen = Self.take(&visit, units: pool.units, target: target)
            if let share, !chosen.isEmpty {
                let on = chosen.filter { pool.reasoning[$0] == .on }.count
                let got = Double(on) / Double(chosen.count)
                if abs(got - share) > 0.05 {
                    warnings.append(
                        "dataset '\(pool.name)': reasoning-on share \(Self.format(got)) instead of "
                            + "\(Self.format(share)) (not enough \(got < share ? "reasoning-on" : "reasoning-off") "
                            + "conversations for its weight)")
                }
            }
            picks.append(chosen)
        }
        return MixSelection(picks: picks, targetTotal: total, targets: targets, warnings: warnings)
    }

    static func format(_ x: Double) -> String {
        let r = (x * 1000).rounded() / 1000
        return String(r)
    }
}

/// A visiting order that may start again when it runs out (when repeats are allowed).
struct Cycle {
    let order: [Int]
    let repeating: Bool
    var position = 0

    init(_ order: [Int], repeating: Bool) {
        self.order = order
        self.repeating = repeating
    }

    mutating func next() -> Int? {
        if position == order.count {
            guard repeating, !order.isEmpty else { return nil }
            position = 0
        }
        defer { position += 1 }
        return order[position]
    }
}

/// The order records of one dataset are offered in: one seeded order, or reasoning-on and
/// reasoning-off records interleaved so that any prefix holds the wanted share of reasoning-on
/// conversations (counted in conversations, whatever the mixture's unit); when one kind runs out
/// the other continues alone.
enum Visit {
    case single(Cycle)
    case interleaved(on: Cycle, off: Cycle, share: Double)

    /// The next record and whether it is a reasoning-on one, given how many were taken so far
    /// and how many of those were reasoning-on.
    mutating func next(count: Int, onSoFar: Int) -> (record: Int, on: Bool)? {
        switch self {
        case .single(var c):
            let r = c.next()
            self = .single(c)
            return r.map { ($0, false) }
        case .interleaved(var on, var off, let share):
            // Reasoning-on while the share so far (this record included) would stay at or below the target.
            let wantOn = Double(onSoFar + 1) <= share * Double(count + 1) + 1e-9
            var result: (Int, Bool)?
            if wantOn, let x = on.next() {
                result = (x, true)
            } else if let x = off.next() {
                result = (x, false)
            } else if let x = on.next() {
                result = (x, true)
            }
            self = .interleaved(on: on, off: off, share: share)
            return result
        }
    }
}

extension MixSelection {
    /// Takes records in visiting order while that brings the taken units closer to `target` (so a
    /// dataset misses its target by less than one record).
    static func take(_ visit: inout Visit, units: [Int], target: Double) -> [Int] {
        var picked: [Int] = []
        var taken = 0.0
        var onSoFar = 0
        var zeroRun = 0
        while taken < target {
            guard let (r, on) = visit.next(count: picked.count, onSoFar: onSoFar) else { break }
            let u = Double(units[r])
            // Stop when taking this record would leave us further from the target than stopping.
            if taken + u > target && (taken + u - target) >= (target - taken) { break }
            // A pass of records without units never reaches a target: stop rather than loop.
            zeroRun = u == 0 ? zeroRun + 1 : 0
            if zeroRun > units.count { break }
            picked.append(r)
            taken += u
            if on { onSoFar += 1 }
        }
        return picked
    }
}
