import JupiterCore

/// How every model stage turns a batch into outputs: one job per record, all of a batch sent
/// concurrently (the model client bounds what is really in flight with the model's
/// `max_in_flight`), outputs in input order.
///
/// The rule for failures (``LLMError/isTransportFailure``): a request that could not reach the
/// model after all its retries never becomes an output. The batch's other requests still finish
/// (their answers are cached), then the batch throws, so the run records it as not done, carries
/// on with the rest, exits 4 and, on a rerun, resends exactly the requests that failed. An answer
/// the model did give but that cannot be used is the stage's to drop or quarantine.
enum ModelCalls {
    /// The outputs of `body` for each item of `batch` (records, or records with what a stage
    /// decided for them), in order, or the first transport failure.
    static func map<E: Sendable, T: Sendable>(
        _ batch: [E], stage: String,
        _ body: @escaping @Sendable (E) async throws -> T
    ) async throws -> [T] {
        let results = try await OrderedTasks.map(batch, limit: max(1, batch.count)) { item -> Result<T, LLMError> in
            do {
                return .success(try await body(item))
            } catch let error as LLMError where error.isTransportFailure {
                return .failure(error)
            }
        }
        var outputs: [T] = []
        outputs.reserveCapacity(results.count)
        var failures: [LLMError] = []
        for r in results {
            switch r {
            case .success(let o): outputs.append(o)
            case .failure(let e): failures.append(e)
            }
        }
        if let first = failures.first {
            if first.kind == .cancelled || Task.isCancelled { throw CancellationError() }
            var e = first
            e.message = "\(stage): \(failures.count) of \(batch.count) requests of a batch failed; first: \(first.message)"
            throw e
        }
        return outputs
    }

    /// One chat request: the answer, or — for a failure that is not a transport failure (a request
    /// the server rejected, an unusable answer) — the error, for the stage to quarantine or drop.
    /// Transport failures are thrown (see ``LLMError/isTransportFailure``).
    static func chat(_ client: any ModelClient, _ model: String, _ request: ChatRequest) async throws(LLMError)
        -> Result<ChatResponse, LLMError>
    {
        do {
            return .success(try await client.chat(model, request))
        } catch {
            if error.isTransportFailure { throw error }
            return .failure(error)
        }
    }

    /// The seed of one record's request: derived from the stage's seed and the record id, so a
    /// record is sampled the same way on every run and on every machine.
    static func seed(_ context: StageContext, _ parts: String...) -> Int {
        Int(StableHash.fnv1a64(seed: context.seed, parts) >> 33)
    }
}
