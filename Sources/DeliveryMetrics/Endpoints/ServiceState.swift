/// What the lifecycle decides and the endpoints read: whether the service is ready, and the journal once it is
/// open (`--persistence-file`). `Application` writes it; endpoints and the request layer only read it.
final class ServiceState {
    var isReady = false
    /// Set by `Application.openPersistence`, before the server starts.
    var persistence: Persistence?

    /// The journal failed: every write is refused until the orchestrator restarts the process.
    var persistenceHasFailed: Bool { persistence?.hasFailed == true }

    /// The journal cannot reserve space for another write (always true without persistence).
    var hasRoomForWrites: Bool { persistence?.hasRoomForWrites ?? true }
}
