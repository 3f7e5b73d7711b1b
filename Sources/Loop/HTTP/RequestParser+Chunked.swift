/// Chunked bodies (RFC 9112 §7.1): the chunk-size lines and the trailer section; `next` copies the chunk data.
extension RequestParser {
    mutating func parseChunkSize() -> Step {
        let maxLineLength = 1024
        guard let line = takeLine(maxLength: maxLineLength) else {
            return buffer.count - position > maxLineLength ? .event(fail(400, "chunk size line too long")) : .needMore
        }
        let sizePart = line.prefix { $0 != UInt8(ascii: ";") }.dropLast(while: { $0 == 0x20 || $0 == 0x09 })
        guard !sizePart.isEmpty, sizePart.allSatisfy({ PercentDecoding.hexValue($0) != nil }) else {
            return .event(fail(400, "malformed chunk size"))
        }
        let significant = sizePart.drop { $0 == UInt8(ascii: "0") }
        guard significant.count <= 8 else { return .event(fail(413, "request body too large")) }
        let size = significant.reduce(0) { $0 << 4 | Int(PercentDecoding.hexValue($1)!) }
        // A dropped body holds nothing, so only a kept one is limited (the read timeout bounds the other).
        guard discarding || chunkedBytes + size <= limits.maxBodyBytes else {
            return .event(fail(413, "request body too large"))
        }
        chunkedBytes = discarding ? 0 : chunkedBytes + size
        state = size == 0 ? .trailers(bytes: 0) : .chunkData(remaining: size)
        return .advanced
    }

    mutating func parseTrailers(bytes: Int) -> Step {
        let available = limits.maxHeadBytes - bytes
        guard let line = takeLine(maxLength: available) else {
            return buffer.count - position > available ? .event(fail(431, "trailer section too large")) : .needMore
        }
        if line.isEmpty {
            // A body no larger than a head keeps its array for the next one, reused once the request is gone.
            let body = chunkedBody
            if chunkedBody.capacity > limits.maxHeadBytes { chunkedBody = [] }
            return .event(finish(body: body))
        }
        // Trailer fields are checked for syntax and otherwise ignored.
        if let error = checkTrailerLine(line) { return .event(fail(error)) }
        state = .trailers(bytes: bytes + line.count + 2)
        return .advanced
    }
}

extension BidirectionalCollection where SubSequence == Self {
    fileprivate func dropLast(while predicate: (Element) -> Bool) -> SubSequence {
        var result = self
        while let last = result.last, predicate(last) {
            result = result.dropLast()
        }
        return result
    }
}
