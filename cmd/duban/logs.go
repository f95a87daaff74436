package main

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"duban/config"
	"duban/ledger"
	"duban/store"
)

// dispatchJSON is a record of `duban logs --format json`, a contract other
// tools rely on: fields may be added, never renamed or dropped.
type dispatchJSON struct {
	ID        int64   `json:"id"`
	Job       string  `json:"job"`
	Key       string  `json:"key"`
	To        string  `json:"to"`
	Channel   string  `json:"channel"`
	Subject   string  `json:"subject"`
	Status    string  `json:"status"`
	Attempts  int     `json:"attempts"`
	LastError string  `json:"last_error"`
	SMTPReply string  `json:"smtp_reply"`
	MessageID string  `json:"message_id"`
	CreatedAt string  `json:"created_at"`
	SentAt    *string `json:"sent_at"`
}

func (a *app) logsCommand() *cobra.Command {
	var since, until, to, format string
	var f store.DispatchFilter
	cmd := &cobra.Command{
		Use:   "logs",
		Short: "Show the dispatch log: what went out, to whom, when, and how it went",
		Args:  exactArgs(0),
		PreRunE: func(*cobra.Command, []string) (err error) {
			if err := checkFormat(format); err != nil {
				return err
			}
			if f.Channel != "" && !slices.Contains(ledger.Channels, f.Channel) {
				return badInputf("invalid --channel %q: want %s", f.Channel, strings.Join(ledger.Channels, ", "))
			}
			if f.Job != "" {
				if f.Job, err = ledger.ParseJob(f.Job); err != nil {
					return badInputf("--job: %w", err)
				}
			}
			if f.State != "" {
				if f.State, err = store.ParseState(f.State); err != nil {
					return badInputf("--status: %w", err)
				}
			}
			return nil
		},
		RunE: a.onStore(func(ctx context.Context, cfg *config.Config, st *store.Store, _ []string) error {
			var err error
			if f.Since, err = a.parseTimeFlag(cfg, "--since", since, time.Time{}); err != nil {
				return err
			}
			if f.Until, err = a.parseTimeFlag(cfg, "--until", until, time.Time{}); err != nil {
				return err
			}
			if len(until) == len(time.DateOnly) {
				f.Until = f.Until.AddDate(0, 0, 1) // a day given as --until includes that day
			}
			addrs, err := recipients(cfg, to)
			if err != nil {
				return err
			}
			ds, err := dispatchesTo(ctx, st, f, addrs)
			if err != nil {
				return err
			}
			return writeView(a.stdout, format, dispatchesView(cfg, ds))
		}),
	}
	cmd.Flags().StringVar(&since, "since", "", "from this day or time (2025-06-16 or 2025-06-16T09:00)")
	cmd.Flags().StringVar(&until, "until", "", "up to this day (inclusive) or time")
	cmd.Flags().StringVar(&f.State, "status", "", "pending, sending, sent or failed (or 待发送, 发送中, 已发送, 发送失败)")
	cmd.Flags().StringVar(&to, "to", "", "recipient: an address (a mailbox, or a robot like wecom:unit/bgs), or a unit or leader (code, name or alias: all its mailboxes and robots)")
	cmd.Flags().StringVar(&f.Channel, "channel", "", "email, wecom, dingtalk or feishu")
	cmd.Flags().StringVar(&f.Job, "job", "", "deadlines (到期提醒), duties (定期任务提醒), followups (回头看提醒) or summary (定期调度汇总)")
	formatFlag(cmd, &format)
	cmd.Flags().IntVar(&f.Limit, "limit", 0, "at most this many, newest first (0 = all)")
	return cmd
}

// recipients are the addresses --to means: the address given (a mailbox
// or a robot), or the mailboxes and robots of the unit or the leader it
// names.
func recipients(cfg *config.Config, to string) ([]string, error) {
	if to == "" || strings.Contains(to, "@") || ledger.ChannelOf(to) != ledger.ChannelEmail {
		return []string{to}, nil
	}
	if code, ok := cfg.ResolveUnit(to); ok {
		u, _ := cfg.Unit(code)
		return u.Addresses(), nil
	}
	if code, ok := cfg.ResolveLeader(to); ok {
		l, _ := cfg.Leader(code)
		return l.Addresses(), nil
	}
	_, err := cfg.ParseUnit(to)
	return nil, badInputf("--to: %w; or a leader's code or name, an email address or a robot's address", err)
}

// dispatchesTo lists the dispatches of f to any of addrs, newest first, at
// most f.Limit of them.
func dispatchesTo(ctx context.Context, st *store.Store, f store.DispatchFilter, addrs []string) ([]store.Dispatch, error) {
	var all []store.Dispatch
	for _, addr := range addrs {
		f.To = addr
		ds, err := st.ListDispatches(ctx, f)
		if err != nil {
			return nil, err
		}
		all = append(all, ds...)
	}
	if len(addrs) > 1 {
		slices.SortFunc(all, func(x, y store.Dispatch) int {
			return cmp.Or(y.CreatedAt.Compare(x.CreatedAt), cmp.Compare(y.ID, x.ID))
		})
		if f.Limit > 0 && len(all) > f.Limit {
			all = all[:f.Limit]
		}
	}
	return all, nil
}

func dispatchesView(cfg *config.Config, ds []store.Dispatch) rowsView {
	v := rowsView{header: []string{"ID", "CREATED", "JOB", "CHANNEL", "TO", "STATUS", "ATTEMPTS", "SUBJECT", "LAST ERROR / REPLY"}}
	out := make([]dispatchJSON, 0, len(ds))
	for _, d := range ds {
		j := dispatchJSON{
			ID: d.ID, Job: d.Job, Key: d.Key, To: d.Recipient, Channel: d.Channel, Subject: d.Subject, Status: d.State,
			Attempts: d.Attempts, LastError: d.LastError, SMTPReply: d.SMTPReply, MessageID: d.MessageID,
			CreatedAt: d.CreatedAt.In(cfg.Location).Format(time.RFC3339),
		}
		if !d.SentAt.IsZero() {
			s := d.SentAt.In(cfg.Location).Format(time.RFC3339)
			j.SentAt = &s
		}
		out = append(out, j)
		v.rows = append(v.rows, []string{
			strconv.FormatInt(d.ID, 10), d.CreatedAt.In(cfg.Location).Format("2006-01-02 15:04"), d.Job, d.Channel, d.Recipient,
			d.State, strconv.Itoa(d.Attempts), d.Subject, cmp.Or(d.LastError, d.SMTPReply),
		})
	}
	v.json = out
	return v
}

func (a *app) jobsCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "jobs",
		Short: "Show each job: schedule, last run and outcome, next run",
		Args:  exactArgs(0),
		RunE: a.onStore(func(ctx context.Context, cfg *config.Config, st *store.Store, _ []string) error {
			sched, err := a.newScheduler(cfg, st, nil)
			if err != nil {
				return err
			}
			last, err := st.LastRuns(ctx)
			if err != nil {
				return err
			}
			now := a.now()
			var rows [][]string
			for _, spec := range sched.Jobs() {
				row := []string{spec.Name, spec.Schedule, "never", "", "", "", ""}
				if r, ok := last[spec.Name]; ok {
					row[2] = r.ScheduledFor.In(cfg.Location).Format("2006-01-02 15:04")
					row[3] = r.Outcome
					if r.Attempts > 1 {
						row[3] += " (attempt " + strconv.Itoa(r.Attempts) + ")"
					}
					if r.Error != "" {
						row[3] += ": " + r.Error
					}
					row[4], row[5] = strconv.Itoa(r.Reminders), strconv.Itoa(r.Dispatches)
				}
				if next, ok := sched.NextRun(spec.Name, now); ok {
					row[6] = next.In(cfg.Location).Format("2006-01-02 15:04")
				}
				rows = append(rows, row)
			}
			writeTable(a.stdout, []string{"JOB", "SCHEDULE", "LAST RUN", "OUTCOME", "REMINDERS", "MESSAGES", "NEXT RUN"}, rows)
			return nil
		}),
	}
}
