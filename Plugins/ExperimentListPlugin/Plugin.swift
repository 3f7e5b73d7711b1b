import PackagePlugin

/// Lists the experiments for the DeliveryMetrics target from the files in its Experiments folder (see
/// `Sources/DeliveryMetrics/Experiments/Experiment.swift`).
@main
struct ExperimentListPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        // `Experiments/<Name>Experiment.swift`; the protocol's own `Experiment.swift` is not an experiment.
        let experiments = target.sourceFiles.map(\.url).filter { url in
            let name = url.deletingPathExtension().lastPathComponent
            return url.deletingLastPathComponent().lastPathComponent == "Experiments" && name.hasSuffix("Experiment")
                && name != "Experiment"
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "ExperimentList.swift")
        return [
            .buildCommand(
                displayName: "Listing \(experiments.count) experiment(s)",
                executable: try context.tool(named: "ExperimentListGenerator").url,
                arguments: [output.path] + experiments.map(\.path),
                inputFiles: experiments,
                outputFiles: [output]
            )
        ]
    }
}
