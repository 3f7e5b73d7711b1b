import Glibc
import Logging
import Loop

/// Boot: configuration (once), logging, the loop, the application; then the loop runs until shutdown.
public enum Boot {
    /// Runs the process named on the command line and exits with its status (0, 1 cannot start, 2 bad configuration).
    public static func run() -> Never {
        ProcessSetup.ignoreSIGPIPE()
        ProcessSetup.unblockAllSignals()

        let command: Configuration.Command
        do {
            command = try Configuration.parse(
                arguments: Array(CommandLine.arguments.dropFirst()),
                environment: ProcessEnvironment.current()
            )
        } catch {
            StandardStream.write("delivery-metrics: \(error)\n", to: 2)
            exit(2)
        }

        switch command {
        case .help:
            StandardStream.write(Flag.helpText(), to: 1)
            exit(0)
        case .catalogue:
            let definitions = Catalogue.definitions(experiments: Experiments.definitions)
            StandardStream.write(CatalogueMarkdown.table(definitions), to: 1)
            exit(0)
        case .serve(let configuration):
            let sink = LogSink()
            let formatter = LogFormatter(format: configuration.logFormat)
            LoggingSystem.bootstrap { _ in LoopLogHandler(sink: sink, formatter: formatter) }
            let logger = Logger(label: "delivery-metrics")
            let openFileLimit = ProcessSetup.raiseOpenFileLimit()
            do {
                let loop = try EventLoop()
                let application = Application(configuration: configuration, loop: loop, sink: sink, logger: logger)
                application.logConfigurationWarnings()
                do {
                    try application.openPersistence()
                } catch {
                    logger.error("cannot start", metadata: ["error": "\(error)"])
                    sink.flush()
                    exit(2)
                }
                _ = try application.start()
                logger.debug("open file limit", metadata: ["limit": "\(openFileLimit)"])
                exit(application.run())
            } catch {
                logger.error("cannot start", metadata: ["error": "\(error)"])
                sink.flush()
                exit(1)
            }
        }
    }
}
