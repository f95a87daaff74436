package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
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
	reg            *prometheus.Registry
	sendLatency    *prometheus.HistogramVec
	deliveryErrors *prometheus.CounterVec
	jobRuns        *prometheus.CounterVec
	jobDuration    *prometheus.HistogramVec
	logins         *prometheus.CounterVec
}

// NewMetrics returns a registry with the hook metrics, duban_build_info
// for version, and the Go runtime and process collectors.
func NewMetrics(version string) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		sendLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "duban_send_duration_seconds",
			Help:    "Time a channel took to hand over one message, by channel and outcome (sent, retry, failed).",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"channel", "outcome"}),
		deliveryErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "duban_delivery_errors_total",
			Help: "Failed delivery attempts by channel and code: the SMTP reply code, or a robot platform's error code or HTTP status (none: no reply, e.g. a network error).",
		}, []string{"channel", "code"}),
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
	buildInfo := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "duban_build_info",
		Help:        "Always 1; the version label says which build this process runs.",
		ConstLabels: prometheus.Labels{"version": version},
	})
	buildInfo.Set(1)
	m.reg.MustRegister(m.sendLatency, m.deliveryErrors, m.jobRuns, m.jobDuration, m.logins, buildInfo,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveSend is notify.Worker's Observe hook.
func (m *Metrics) ObserveSend(channel, outcome string, code int, d time.Duration) {
	m.sendLatency.WithLabelValues(channel, outcome).Observe(d.Seconds())
	if outcome == "sent" {
		return
	}
	label := "none"
	if code != 0 {
		label = strconv.Itoa(code)
	}
	m.deliveryErrors.WithLabelValues(channel, label).Inc()
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
		"Dispatches (one message to one recipient) by delivery state and channel (email, wecom, dingtalk, feishu).",
		[]string{"state", "channel"}, nil)
	oldestDesc = prometheus.NewDesc("duban_dispatch_oldest_pending_age_seconds",
		"Age of the oldest message not delivered yet (pending or being sent); 0 when every message is settled.", nil, nil)
	lastSuccessDesc = prometheus.NewDesc("duban_job_last_success_timestamp_seconds",
		"When the latest successful run of each job finished (Unix time); absent for a job that never succeeded.",
		[]string{"job"}, nil)
	staleDesc = prometheus.NewDesc("duban_job_stale",
		"1 when a job has had no successful run for two of its intervals (the overview's warning), else 0.",
		[]string{"job"}, nil)
	itemsDesc = prometheus.NewDesc("duban_items",
		"Ledger items by light (red, yellow, green, blue, done, closed) today.", []string{"light"}, nil)
)

// storeCollector reads the dispatch states, the jobs' last successes and
// the items' lights from the store at scrape time, so that every replica
// reports the shared truth.
type storeCollector struct{ s *Server }

func (c storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{dispatchesDesc, oldestDesc, lastSuccessDesc, staleDesc, itemsDesc} {
		ch <- d
	}
}

func (c storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	c.collectDispatches(ctx, ch)
	c.collectJobs(ctx, ch)
	lights, err := c.s.lightCounts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(itemsDesc, err)
		return
	}
	for _, l := range allLights {
		ch <- prometheus.MustNewConstMetric(itemsDesc, prometheus.GaugeValue, float64(lights[l]), string(l))
	}
}

// collectDispatches reports every state of every channel, zeros included,
// so that an alert on a series never waits for its first message.
func (c storeCollector) collectDispatches(ctx context.Context, ch chan<- prometheus.Metric) {
	counts, err := c.s.st.CountDispatches(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(dispatchesDesc, err)
		return
	}
	n := map[[2]string]int{}
	channels := slices.Clone(ledger.Channels)
	for _, r := range counts {
		n[[2]string{r.State, r.Channel}] = r.N
		if !slices.Contains(channels, r.Channel) {
			channels = append(channels, r.Channel)
		}
	}
	for _, channel := range channels {
		for _, state := range []string{store.StatePending, store.StateSending, store.StateSent, store.StateFailed} {
			ch <- prometheus.MustNewConstMetric(dispatchesDesc, prometheus.GaugeValue, float64(n[[2]string{state, channel}]), state, channel)
		}
	}
	oldest, ok, err := c.s.st.OldestUndelivered(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(oldestDesc, err)
		return
	}
	age := 0.0
	if ok {
		age = max(0, c.s.now().Sub(oldest).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, age)
}

// collectJobs reports each job's last success and whether it is stale.
func (c storeCollector) collectJobs(ctx context.Context, ch chan<- prometheus.Metric) {
	health, err := c.s.jobsHealth(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(staleDesc, err)
		return
	}
	for _, h := range health {
		if !h.LastOK.FinishedAt.IsZero() {
			ch <- prometheus.MustNewConstMetric(lastSuccessDesc, prometheus.GaugeValue,
				float64(h.LastOK.FinishedAt.UnixMilli())/1000, h.Job)
		}
		stale := 0.0
		if h.Stale {
			stale = 1
		}
		ch <- prometheus.MustNewConstMetric(staleDesc, prometheus.GaugeValue, stale, h.Job)
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
