// goclient pushes to a Pushgateway (or delivery-metrics) exactly as client_golang's push package does, so the
// differential harness (../pushgateway_differential.py) can compare what the real Go client gets from each server.
//
//	goclient -url URL -job JOB -action push|add|delete [-grouping name=value]... [-user U -password P]
//	         [-format proto|text] [-counter name=value] [-gauge name=value] [-histogram name=obs,obs,...]
//	         [-summary name=obs,obs,...] [-buckets b,b,...] [-help TEXT] [-label name=value]...
//
// It prints one line, "status=<code> ok" or "status=<code> error: <message>" (code 0 when no request was sent), and
// exits 0 either way: the outcome is data for the driver, not a failure of this program. Bad arguments exit 2.
//
// Built in GOPATH mode against Debian's golang-github-prometheus-client-golang-dev:
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go build -o DIR/goclient ./scripts/differential/goclient
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
	"github.com/prometheus/common/expfmt"
)

type pairs []string

func (p *pairs) String() string     { return strings.Join(*p, ",") }
func (p *pairs) Set(v string) error { *p = append(*p, v); return nil }

// recorder is the HTTPDoer the Pusher sends through: it remembers the status of the last answer, which Push, Add
// and Delete only report inside an error message (and not at all on success).
type recorder struct{ status int }

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultClient.Do(req)
	if resp != nil {
		r.status = resp.StatusCode
	}
	return resp, err
}

func split(pair string) (string, string) {
	i := strings.Index(pair, "=")
	if i < 0 {
		fail("want name=value, got %q", pair)
	}
	return pair[:i], pair[i+1:]
}

func floats(list string) []float64 {
	var out []float64
	for _, s := range strings.Split(list, ",") {
		if s == "" {
			continue
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			fail("not a number: %q", s)
		}
		out = append(out, f)
	}
	return out
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "goclient: "+format+"\n", args...)
	os.Exit(2)
}

func main() {
	var grouping, labels, counters, gauges, histograms, summaries pairs
	url := flag.String("url", "", "server base URL")
	job := flag.String("job", "", "job name")
	action := flag.String("action", "push", "push (PUT), add (POST) or delete (DELETE)")
	user := flag.String("user", "", "basic auth user")
	password := flag.String("password", "", "basic auth password (the token)")
	format := flag.String("format", "proto", "proto (the client's default, delimited protobuf) or text")
	buckets := flag.String("buckets", "1,5", "histogram buckets")
	help := flag.String("help", "", "HELP of every metric (default: a fixed text per kind)")
	flag.Var(&grouping, "grouping", "grouping label name=value (repeatable)")
	flag.Var(&labels, "label", "constant label name=value on every metric (repeatable)")
	flag.Var(&counters, "counter", "counter name=value (repeatable)")
	flag.Var(&gauges, "gauge", "gauge name=value (repeatable)")
	flag.Var(&histograms, "histogram", "histogram name=obs,obs,... (repeatable)")
	flag.Var(&summaries, "summary", "summary name=obs,obs,... (repeatable)")
	flag.Parse()
	if *url == "" {
		fail("-url is required")
	}

	constLabels := prometheus.Labels{}
	for _, l := range labels {
		n, v := split(l)
		constLabels[n] = v
	}
	helpFor := func(kind string) string {
		if *help != "" {
			return *help
		}
		return "A " + kind + " pushed by the Go client."
	}
	registry := prometheus.NewRegistry()
	for _, c := range counters {
		n, v := split(c)
		counter := prometheus.NewCounter(prometheus.CounterOpts{Name: n, Help: helpFor("counter"), ConstLabels: constLabels})
		counter.Add(floats(v)[0])
		registry.MustRegister(counter)
	}
	for _, g := range gauges {
		n, v := split(g)
		gauge := prometheus.NewGauge(prometheus.GaugeOpts{Name: n, Help: helpFor("gauge"), ConstLabels: constLabels})
		gauge.Set(floats(v)[0])
		registry.MustRegister(gauge)
	}
	for _, h := range histograms {
		n, v := split(h)
		histogram := prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: n, Help: helpFor("histogram"), ConstLabels: constLabels, Buckets: floats(*buckets)})
		for _, o := range floats(v) {
			histogram.Observe(o)
		}
		registry.MustRegister(histogram)
	}
	for _, s := range summaries {
		n, v := split(s)
		summary := prometheus.NewSummary(prometheus.SummaryOpts{
			Name: n, Help: helpFor("summary"), ConstLabels: constLabels,
			Objectives: map[float64]float64{0.5: 0.05, 0.9: 0.01}})
		for _, o := range floats(v) {
			summary.Observe(o)
		}
		registry.MustRegister(summary)
	}

	doer := &recorder{}
	pusher := push.New(*url, *job).Gatherer(registry).Client(doer)
	for _, g := range grouping {
		n, v := split(g)
		pusher = pusher.Grouping(n, v)
	}
	if *user != "" || *password != "" {
		pusher = pusher.BasicAuth(*user, *password)
	}
	switch *format {
	case "proto":
	case "text":
		pusher = pusher.Format(expfmt.FmtText)
	default:
		fail("unknown -format %q", *format)
	}

	var err error
	switch *action {
	case "push":
		err = pusher.Push()
	case "add":
		err = pusher.Add()
	case "delete":
		err = pusher.Delete()
	default:
		fail("unknown -action %q", *action)
	}
	if err != nil {
		fmt.Printf("status=%d error: %s\n", doer.status, strings.ReplaceAll(err.Error(), "\n", " "))
		return
	}
	fmt.Printf("status=%d ok\n", doer.status)
}
