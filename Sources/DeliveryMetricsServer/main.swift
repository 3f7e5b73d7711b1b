import DeliveryMetrics

// The executable is only this line: the service lives in the DeliveryMetrics library so that the Benchmarks package
// can import it (SwiftPM does not let another package import an executable target).
Boot.run()
