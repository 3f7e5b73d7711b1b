// Writes `ExperimentList.swift` for the DeliveryMetrics target: one entry per `<Name>Experiment.swift` file in its
// Experiments folder, so adding or removing an experiment is adding or removing its file. Run by
// ExperimentListPlugin at build time; arguments: the output path, then the experiment files.

#if canImport(Glibc)
    import Glibc
#endif

let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first else {
    print("usage: ExperimentListGenerator OUTPUT [FILE...]")
    exit(2)
}
let names = arguments.dropFirst().map { path -> String in
    let file = path.split(separator: "/").last.map(String.init) ?? path
    return String(file.dropLast(".swift".count))
}.sorted()
var text = "// Generated at build time from the files in Sources/DeliveryMetrics/Experiments; do not edit.\n"
text += "enum ExperimentList {\n    static var all: [any Experiment.Type] {\n        [\n"
for name in names {
    text += "            \(name).self,\n"
}
text += "        ]\n    }\n}\n"
guard let file = fopen(output, "w") else {
    print("cannot write \(output)")
    exit(1)
}
fputs(text, file)
fclose(file)
