/// `GET /api`: the catalogue as JSON, so a CI author can discover what to push.
enum CatalogueListing {
    static func json(_ families: [MetricFamily]) -> String {
        let entries = families.map { family -> String in
            let definition = family.definition
            let labels = definition.labels.map { label -> String in
                switch label.validator {
                case .oneOf(let values):
                    return "{\"name\":\(quote(label.name)),\"values\":[\(values.map(quote).joined(separator: ","))]}"
                case .pattern(let source):
                    return "{\"name\":\(quote(label.name)),\"pattern\":\(quote("^(?:\(source))$"))}"
                }
            }
            let operations =
                !definition.writer.acceptsPushes ? [] : definition.kind.operations.map(\.rawValue) + ["reset"]
            var fields = [
                "\"name\":\(quote(definition.apiName))",
                "\"metric\":\(quote(definition.fullName))",
                "\"type\":\(quote(definition.kind.rawValue))",
                "\"help\":\(quote(definition.help))",
                "\"labels\":[\(labels.joined(separator: ","))]",
                "\"operations\":[\(operations.map(quote).joined(separator: ","))]",
                "\"cartesian_product_reset\":\(definition.cartesianProductReset)",
            ]
            if definition.kind == .histogram {
                fields.append("\"buckets\":[\(definition.buckets.map(GoFloat.format).joined(separator: ","))]")
            }
            if let timeToLive = definition.timeToLiveSeconds {
                fields.append("\"ttl_seconds\":\(GoFloat.format(timeToLive))")
            }
            return "{" + fields.joined(separator: ",") + "}"
        }
        return "{\"metrics\":[\n" + entries.joined(separator: ",\n") + "\n]}\n"
    }

    private static func quote(_ text: String) -> String {
        LogFormatter.jsonString(text)
    }
}
