/// A change to the pushed groups, as the store tells its observer (the journal) once it is applied: enough to apply
/// it again at boot, in order, to the same effect.
enum PushChange: Equatable {
    /// An accepted push: the families as stored (checked and sanitised), PUT (`replace`) or POST.
    case pushed(key: GroupingKey, families: [PushedFamily], replace: Bool, timeToLive: Double?, time: Double)
    /// A refused push that moved the group's failure time (and made the group, when it did not exist).
    case failed(key: GroupingKey, time: Double)
    /// A DELETE, or an expiry.
    case deleted(key: GroupingKey, time: Double)
    /// `PUT /api/v1/admin/wipe`.
    case wiped(time: Double)
}

/// Told every change to the pushed groups after it is applied (the journal, when persistence is on).
protocol PushObserver: AnyObject {
    func record(_ change: PushChange)
}
