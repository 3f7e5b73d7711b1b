// The Go original's shape, for `make bench`: one histogram behind POST /api/<metric>/observe with the
// X-Private-Token check, on net/http and client_golang, as GitLab Delivery's Go service serves a push. Not the
// original's code: the same work per push (route, token, FormValue, ParseFloat, split labels, WithLabelValues,
// Observe, a one-line answer), so the ratio to delivery-metrics compares like with like.
//
// Built by scripts/bench.sh with Debian's golang-go and golang-github-prometheus-client-golang-dev, in GOPATH mode:
// GOPATH=/usr/share/gocode GO111MODULE=off go build -o goshape bench/goshape/main.go
package main

import (
	"crypto/subtle"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var deploymentDuration = prometheus.NewHistogramVec(
	prometheus.HistogramOpts{
		Namespace: "delivery",
		Name:      "deployment_duration_seconds",
		Help:      "Duration of the deployment in seconds",
		Buckets:   []float64{1800, 3600, 5400, 7200, 9000, 10800, 12600, 14400, 16200, 18000, 19800, 21600},
	},
	[]string{"deployment_type", "status"},
)

func main() {
	address := flag.String("listen", "127.0.0.1:2112", "address to serve on")
	flag.Parse()
	token := os.Getenv("AUTH_TOKEN")
	if token == "" {
		log.Fatal("AUTH_TOKEN is empty")
	}
	prometheus.MustRegister(deploymentDuration)
	metrics := map[string]*prometheus.HistogramVec{"deployment_duration_seconds": deploymentDuration}

	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.Handler())
	mux.HandleFunc("/-/ready", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "OK") })
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-Private-Token")), []byte(token)) != 1 {
			http.Error(w, "Missing or wrong X-Private-Token", http.StatusUnauthorized)
			return
		}
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/api/"), "/")
		if len(parts) != 2 || parts[1] != "observe" {
			http.NotFound(w, r)
			return
		}
		histogram, found := metrics[parts[0]]
		if !found {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		value, err := strconv.ParseFloat(r.FormValue("value"), 64)
		if err != nil {
			http.Error(w, "invalid value", http.StatusBadRequest)
			return
		}
		labels := strings.Split(r.FormValue("labels"), ",")
		observer, err := histogram.GetMetricWithLabelValues(labels...)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		observer.Observe(value)
		fmt.Fprintf(w, "observed %s in delivery_%s\n", r.FormValue("value"), parts[0])
	})
	log.Fatal(http.ListenAndServe(*address, mux))
}
