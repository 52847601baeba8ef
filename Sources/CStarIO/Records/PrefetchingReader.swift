import Foundation

/// Runs a reader on its own thread and hands records over in batches, so parsing overlaps with whatever the
/// consumer does (mapping, encoding, sending). Memory stays bounded: at most `maxBatches` batches wait.
public final class PrefetchingReader: RecordReader {
    private let channel: Channel
    private var current: [ReadItem] = []
    private var position = 0

    /// Takes ownership of `reader`: it must not be used elsewhere afterwards.
    public init(_ reader: some RecordReader, batchSize: Int = 512, maxBatches: Int = 8) {
        let channel = Channel(maxBatches: maxBatches)
        self.channel = channel
        let box = ReaderBox(reader)
        let thread = Thread { channel.produce(box, batchSize: batchSize) }
        thread.stackSize = 8 << 20  // deep JSON nests recurse
        thread.start()
    }

    /// Dropping the reader releases a producer that waits for room; it then stops.
    deinit { channel.cancel() }

    public func next() throws -> ReadItem? {
        if position < current.count {
            defer { position += 1 }
            return current[position]
        }
        guard let batch = try channel.take(returning: current) else {
            current = []
            return nil
        }
        current = batch
        position = 1
        return batch[0]
    }

    private final class ReaderBox: @unchecked Sendable {
        var reader: any RecordReader
        init(_ r: some RecordReader) { reader = r }
    }

    /// The hand-over between the threads; every field is guarded by `condition`.
    private final class Channel: @unchecked Sendable {
        enum End { case finished, failed(any Error) }
        let condition = NSCondition()
        let maxBatches: Int
        var ready: [[ReadItem]] = []
        /// Consumed batches go back to the producer, which frees them: freeing on the thread that allocated
        /// is cheaper, and keeps that work off the consumer.
        var recycled: [[ReadItem]] = []
        var end: End?
        var cancelled = false

        init(maxBatches: Int) { self.maxBatches = max(1, maxBatches) }

        func cancel() {
            condition.lock()
            cancelled = true
            condition.broadcast()
            condition.unlock()
        }

        func produce(_ box: ReaderBox, batchSize: Int) {
            var batch: [ReadItem] = []
            batch.reserveCapacity(batchSize)
            var outcome = End.finished
            do {
                while let item = try box.reader.next() {
                    batch.append(item)
                    if batch.count == batchSize {
                        guard push(batch) else { return }
                        batch = []
                        batch.reserveCapacity(batchSize)
                    }
                }
            } catch {
                outcome = .failed(error)
            }
            if !batch.isEmpty { guard push(batch) else { return } }
            condition.lock()
            end = outcome
            condition.broadcast()
            condition.unlock()
        }

        /// Waits for room; false when the consumer is gone.
        func push(_ batch: [ReadItem]) -> Bool {
            condition.lock()
            while ready.count >= maxBatches && !cancelled { condition.wait() }
            if cancelled { condition.unlock(); return false }
            ready.append(batch)
            var done: [[ReadItem]] = []
            swap(&done, &recycled)
            condition.broadcast()
            condition.unlock()
            done.removeAll()  // frees the consumed batches here, outside the lock
            return true
        }

        /// The next batch (handing back the consumed one), nil at the end; rethrows the reader's error once.
        func take(returning consumed: [ReadItem]) throws -> [ReadItem]? {
            condition.lock()
            defer { condition.unlock() }
            if !consumed.isEmpty { recycled.append(consumed) }
            while ready.isEmpty && end == nil { condition.wait() }
            if !ready.isEmpty {
                condition.broadcast()
                return ready.removeFirst()
            }
            if case .failed(let error) = end! {
                end = .finished
                throw error
            }
            return nil
        }
    }
}
