package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"duban/ledger"
	"duban/store"
)

// scrapeTimeout bounds the store queries of one /metrics scrape.
const scrapeTimeout = 5 * time.Second

// Metrics is duban's Prometheus registry (its own, not the global one):
// counters and histograms fed by the delivery worker's and the
// scheduler's hooks, and gauges read from the store at each scrape.
type Metrics struct {
	reg         *prometheus.Registry
	sendLatency *prometheus.HistogramVec
	smtpErrors  *prometheus.CounterVec
	jobRuns     *prometheus.CounterVec
	jobDuration *prometheus.HistogramVec
	logins      *prometheus.CounterVec
}

// NewMetrics returns a registry with the hook metrics and the Go runtime
// and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		sendLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "duban_send_duration_seconds",
			Help:    "Time the transport took to hand over one message, by outcome (sent, retry, failed).",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"outcome"}),
		smtpErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "duban_smtp_errors_total",
			Help: "Failed delivery attempts by SMTP reply code (none: no reply, e.g. a network error).",
		}, []string{"code"}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "duban_job_runs_total",
			Help: "Job runs by job and outcome (ok, failed).",
		}, []string{"job", "outcome"}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "duban_job_run_duration_seconds",
			Help:    "Duration of job runs by job.",
			Buckets: []float64{.01, .05, .1, .5, 1, 5, 10, 30, 60, 300},
		}, []string{"job"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "duban_console_logins_total",
			Help: "Console login attempts by outcome: ok and failed (a password was checked), throttled (refused unchecked).",
		}, []string{"outcome"}),
	}
	m.reg.MustRegister(m.sendLatency, m.smtpErrors, m.jobRuns, m.jobDuration, m.logins,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveSend is notify.Worker's Observe hook.
func (m *Metrics) ObserveSend(outcome string, code int, d time.Duration) {
	m.sendLatency.WithLabelValues(outcome).Observe(d.Seconds())
	if outcome == "sent" {
		return
	}
	label := "none"
	if code > 0 {
		label = strconv.Itoa(code)
	}
	m.smtpErrors.WithLabelValues(label).Inc()
}

// ObserveRun is scheduler.Options' OnRun hook.
func (m *Metrics) ObserveRun(job, outcome string, d time.Duration) {
	m.jobRuns.WithLabelValues(job, outcome).Inc()
	m.jobDuration.WithLabelValues(job).Observe(d.Seconds())
}

func (m *Metrics) handler(log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slogPrinter{log},
		ErrorHandling: promhttp.ContinueOnError, // a database outage must not hide the process metrics
		Registry:      m.reg,
	})
}

// watchStore registers the gauges read from the console's store.
func (m *Metrics) watchStore(s *Server) error {
	return m.reg.Register(storeCollector{s: s})
}

var (
	dispatchesDesc = prometheus.NewDesc("duban_dispatches",
		"Dispatches (one email to one recipient) by delivery state.", []string{"state"}, nil)
	itemsDesc = prometheus.NewDesc("duban_items",
		"Ledger items by light (red, yellow, green, blue, done, closed) today.", []string{"light"}, nil)
)

// storeCollector reads the dispatch states and the items' lights from the
// store at scrape time, so that every replica reports the shared truth.
type storeCollector struct{ s *Server }

func (c storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- dispatchesDesc
	ch <- itemsDesc
}

func (c storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	counts, err := c.s.st.CountDispatchesByState(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(dispatchesDesc, err)
	} else {
		for _, state := range []string{store.StatePending, store.StateSending, store.StateSent, store.StateFailed} {
			ch <- prometheus.MustNewConstMetric(dispatchesDesc, prometheus.GaugeValue, float64(counts[state]), state)
		}
	}
	lights, err := c.s.lightCounts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(itemsDesc, err)
		return
	}
	for _, l := range allLights {
		ch <- prometheus.MustNewConstMetric(itemsDesc, prometheus.GaugeValue, float64(lights[l]), string(l))
	}
}

var allLights = []ledger.Light{
	ledger.LightRed, ledger.LightYellow, ledger.LightGreen, ledger.LightBlue, ledger.LightDone, ledger.LightClosed,
}

// lightCounts counts all items by today's light.
func (s *Server) lightCounts(ctx context.Context) (map[ledger.Light]int, error) {
	return s.st.CountItemsByLight(ctx, s.today(), s.cfg.Policy.YellowDays)
}

// slogPrinter lets promhttp log through slog.
type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Println(v ...any) {
	p.l.Error("metrics: " + fmt.Sprint(v...))
}
