import Glibc
import LibFuzzer

// SwiftPM's `main` for this executable wins over libFuzzer's, so it runs libFuzzer's driver on this fuzzer's entry.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in data.map { textFuzzTarget($0, size) } ?? 0 })
