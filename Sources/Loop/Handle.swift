import CUV

/// The one place that knows how a libuv handle is born and dies.
///
/// A handle's memory is allocated here and (through ``bindOwner(_:to:)``) its `data` field holds a retained reference to the Swift object that
/// owns it, so the owner cannot be freed while libuv may still call back into it. ``closeHandle(_:)`` asks libuv to
/// close the handle; only libuv's close callback releases the owner and frees the memory, because libuv may touch the
/// handle until then (pending write callbacks run with `UV_ECANCELED` first).
func allocateHandle<Handle>(_: Handle.Type) -> UnsafeMutablePointer<Handle> {
    let raw = UnsafeMutableRawPointer.allocate(
        byteCount: MemoryLayout<Handle>.size,
        alignment: MemoryLayout<Handle>.alignment
    )
    raw.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<Handle>.size)
    return raw.bindMemory(to: Handle.self, capacity: 1)
}

/// Makes `owner` the handle's Swift object, retained until the handle's close callback.
func bindOwner<Handle>(_ handle: UnsafeMutablePointer<Handle>, to owner: AnyObject) {
    cuv_handle(handle).pointee.data = Unmanaged.passRetained(owner).toOpaque()
}

/// Closes a handle made by ``allocateHandle(_:)``; safe to call more than once.
func closeHandle<Handle>(_ handle: UnsafeMutablePointer<Handle>) {
    let base = cuv_handle(handle)
    guard uv_is_closing(base) == 0 else { return }
    uv_close(base, releaseOwnerAndFree)
}

/// Finds the Swift owner of a handle from inside a libuv callback.
@inline(__always)
func owner<Owner: AnyObject>(of handle: UnsafeMutableRawPointer?, as _: Owner.Type) -> Owner {
    let data = cuv_handle(handle).pointee.data!
    return Unmanaged<Owner>.fromOpaque(data).takeUnretainedValue()
}

/// Calls `body` with the Swift owner of a handle, from inside a libuv callback, borrowed: the handle holds the owner
/// until its close callback, which never runs during another callback of it, so the owner is not retained and
/// released around the call (the callbacks of every read and write do this).
@inline(__always)
func withOwner<Owner: AnyObject, Result>(
    of handle: UnsafeMutableRawPointer?,
    as _: Owner.Type,
    _ body: (Owner) -> Result
) -> Result {
    let data = cuv_handle(handle).pointee.data!
    return Unmanaged<Owner>.fromOpaque(data)._withUnsafeGuaranteedRef(body)
}

/// An owner told when its handle has closed, however the close began (its own `close()`, or the loop closing every
/// handle at shutdown), so it can drop its callbacks: a callback that captures its own owner would otherwise keep
/// both alive forever.
protocol HandleOwner: AnyObject {
    func handleDidClose()
}

private let releaseOwnerAndFree: uv_close_cb = { handle in
    guard let handle else { return }
    if let data = handle.pointee.data {
        let owner = Unmanaged<AnyObject>.fromOpaque(data)
        (owner.takeUnretainedValue() as? HandleOwner)?.handleDidClose()
        owner.release()
    }
    UnsafeMutableRawPointer(handle).deallocate()
}
