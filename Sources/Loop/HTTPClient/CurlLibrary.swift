import CCurl
import Glibc

/// libcurl, opened with `dlopen` when the first `HTTPClient` is made, never before: the binary does not link it, so
/// a service whose scraper is off never maps libcurl, OpenSSL, GnuTLS, Kerberos and the rest they bring (about 4 MB
/// resident). Every function the client calls is resolved once, here, into this table; curl's variadic ones stay
/// raw pointers that only the typed wrappers in `CCurl/shim.h` call.
///
/// Immutable once made and holding only code addresses, so sharing it between threads is safe; it is never
/// closed (`dlclose` would leave any copy of a pointer dangling).
final class CurlLibrary: @unchecked Sendable {
    /// The file `dlopen` is given (Debian's `libcurl4`).
    static let name = CCURL_LIBRARY

    /// Opened and resolved on first use (a static `let` is initialised once, thread-safely). A failure stays: the
    /// library does not appear while the process runs.
    static let shared: Result<CurlLibrary, HTTPClientError> = open()

    let globalInit: ccurl_global_init_function
    let globalCleanup: ccurl_global_cleanup_function
    let versionInfo: ccurl_version_info_function
    let multiInit: ccurl_multi_init_function
    let multiCleanup: ccurl_multi_cleanup_function
    let multiAddHandle: ccurl_multi_add_handle_function
    let multiRemoveHandle: ccurl_multi_remove_handle_function
    let multiSocketAction: ccurl_multi_socket_action_function
    let multiInfoRead: ccurl_multi_info_read_function
    let easyInit: ccurl_easy_init_function
    let easyCleanup: ccurl_easy_cleanup_function
    let easyStrerror: ccurl_easy_strerror_function
    let slistAppend: ccurl_slist_append_function
    let slistFreeAll: ccurl_slist_free_all_function
    /// Variadic: passed to the `ccurl_easy_setopt_*` wrappers, never called from Swift.
    let easySetopt: UnsafeMutableRawPointer
    /// Variadic: passed to the `ccurl_easy_getinfo_*` wrappers.
    let easyGetinfo: UnsafeMutableRawPointer
    /// Variadic: passed to the `ccurl_multi_setopt_*` wrappers.
    let multiSetopt: UnsafeMutableRawPointer

    private init(_ library: UnsafeMutableRawPointer) throws(HTTPClientError) {
        func symbol(_ name: String) throws(HTTPClientError) -> UnsafeMutableRawPointer {
            guard let address = dlsym(library, name) else {
                throw HTTPClientError(
                    message: "\(CurlLibrary.name) has no \(name): \(CurlLibrary.lastError())",
                    libraryUnavailable: true
                )
            }
            return address
        }
        func function<Function>(_ name: String, as _: Function.Type) throws(HTTPClientError) -> Function {
            unsafeBitCast(try symbol(name), to: Function.self)
        }
        globalInit = try function("curl_global_init", as: ccurl_global_init_function.self)
        globalCleanup = try function("curl_global_cleanup", as: ccurl_global_cleanup_function.self)
        versionInfo = try function("curl_version_info", as: ccurl_version_info_function.self)
        multiInit = try function("curl_multi_init", as: ccurl_multi_init_function.self)
        multiCleanup = try function("curl_multi_cleanup", as: ccurl_multi_cleanup_function.self)
        multiAddHandle = try function("curl_multi_add_handle", as: ccurl_multi_add_handle_function.self)
        multiRemoveHandle = try function("curl_multi_remove_handle", as: ccurl_multi_remove_handle_function.self)
        multiSocketAction = try function("curl_multi_socket_action", as: ccurl_multi_socket_action_function.self)
        multiInfoRead = try function("curl_multi_info_read", as: ccurl_multi_info_read_function.self)
        easyInit = try function("curl_easy_init", as: ccurl_easy_init_function.self)
        easyCleanup = try function("curl_easy_cleanup", as: ccurl_easy_cleanup_function.self)
        easyStrerror = try function("curl_easy_strerror", as: ccurl_easy_strerror_function.self)
        slistAppend = try function("curl_slist_append", as: ccurl_slist_append_function.self)
        slistFreeAll = try function("curl_slist_free_all", as: ccurl_slist_free_all_function.self)
        easySetopt = try symbol("curl_easy_setopt")
        easyGetinfo = try symbol("curl_easy_getinfo")
        multiSetopt = try symbol("curl_multi_setopt")
    }

    private static func open() -> Result<CurlLibrary, HTTPClientError> {
        guard let library = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
            return .failure(
                HTTPClientError(message: "cannot load \(name): \(lastError())", libraryUnavailable: true)
            )
        }
        do {
            return .success(try CurlLibrary(library))
        } catch {
            dlclose(library)
            return .failure(error)
        }
    }

    /// `dlerror`'s text, one line.
    private static func lastError() -> String {
        guard let text = dlerror() else { return "unknown error" }
        return String(cString: text).split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
