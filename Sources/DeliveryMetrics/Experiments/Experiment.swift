/// An experiment: temporary metrics under the `experiments` subsystem.
///
/// Adding one is adding one file to this folder whose name ends in `Experiment.swift` and which declares a type of
/// the same name conforming to `Experiment`, plus its acceptance test in `Acceptance/Experiments/`. Removing it is
/// deleting both. The build lists the experiments itself (the `ExperimentListPlugin` writes `ExperimentList` from the
/// file names, as Go's `init()` functions appended to `pluggables`), so nothing else needs touching.
protocol Experiment {
    /// The experiment's metrics; give each `subsystem: Experiments.subsystem`.
    static var metrics: [MetricDefinition] { get }
}

@_spi(Harness) public enum Experiments {
    static let subsystem = "experiments"

    /// Every plugged-in experiment's metrics.
    @_spi(Harness) public static var definitions: [MetricDefinition] {
        ExperimentList.all.flatMap { $0.metrics }
    }

    static var count: Int { ExperimentList.all.count }
}
