package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"duban/config"
	"duban/ledger"
	"duban/notify"
	"duban/store"
	"duban/web"
)

func (a *app) linksCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "links",
		Short: "Manage the units' personal links",
	}
	var unit string
	revoke := &cobra.Command{
		Use:   "revoke --unit U",
		Short: "End every link of a unit made so far; its next messages carry new ones",
		Args:  exactArgs(0),
		PreRunE: func(*cobra.Command, []string) error {
			if unit == "" {
				return badInputf("--unit is required: the unit's code or name")
			}
			return nil
		},
		RunE: a.onStore(func(ctx context.Context, cfg *config.Config, st *store.Store, _ []string) error {
			code, err := unitCode(cfg, unit)
			if err != nil {
				return err
			}
			gen, err := st.RevokeLinks(ctx, code, a.cliActor(), a.now())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "links of %s (%s) revoked: the links made before no longer open (generation %d)\n",
				code, cfg.UnitName(code), gen)
			return nil
		}),
	}
	revoke.Flags().StringVar(&unit, "unit", "", "the unit, by code or name")
	cmd.AddCommand(revoke)
	return cmd
}

// unitCode finds a configured unit by code, name or alias.
func unitCode(cfg *config.Config, s string) (string, error) {
	code, err := cfg.ParseUnit(s)
	if err != nil {
		return "", badInputf("--unit: %w", err)
	}
	return code, nil
}

// requestJSON is a record of `duban requests --format json`.
type requestJSON struct {
	ID        int64    `json:"id"`
	Kind      string   `json:"kind"`
	Unit      string   `json:"unit"`
	Round     string   `json:"round,omitempty"`
	No        string   `json:"no,omitempty"`
	Duty      string   `json:"duty,omitempty"`
	Period    string   `json:"period,omitempty"`
	Text      string   `json:"text"`
	On        *string  `json:"on"`
	Status    string   `json:"status"`
	Files     []string `json:"files"`
	CreatedAt string   `json:"created_at"`
	DecidedAt *string  `json:"decided_at"`
	DecidedBy string   `json:"decided_by,omitempty"`
	Note      string   `json:"note,omitempty"`
	Closed    bool     `json:"closed,omitempty"`
}

func (a *app) requestsCommand() *cobra.Command {
	var status, format string
	cmd := &cobra.Command{
		Use:   "requests [--status pending|approved|rejected] [--format table|json]",
		Short: "List the units' requests (reports, completion and extension requests, duty reports) for review",
		Args:  exactArgs(0),
		PreRunE: func(*cobra.Command, []string) error {
			if format != formatTable && format != formatJSON {
				return badInputf("invalid --format %q: want table or json", format)
			}
			if _, ok := ledger.ParseRequestStatus(status); status != "" && !ok {
				return badInputf("invalid --status %q: want pending, approved or rejected", status)
			}
			return nil
		},
		RunE: a.onStore(func(ctx context.Context, cfg *config.Config, st *store.Store, _ []string) error {
			st2, _ := ledger.ParseRequestStatus(status)
			reqs, err := st.ListRequests(ctx, store.RequestFilter{Status: st2})
			if err != nil {
				return err
			}
			day := func(d ledger.Date) *string {
				if d.IsZero() {
					return nil
				}
				s := d.String()
				return &s
			}
			v := rowsView{header: []string{"ID", "STATUS", "KIND", "UNIT", "ON", "FILED", "TEXT", "FILES"}, json: []requestJSON{}}
			var out []requestJSON
			for _, r := range reqs {
				j := requestJSON{ID: r.ID, Kind: string(r.Kind), Unit: r.Unit, Round: r.Round, No: r.No, Duty: r.Duty,
					Period: r.Period, Text: r.Body, On: day(r.On), Status: string(r.Status), Files: []string{},
					CreatedAt: r.CreatedAt.In(cfg.Location).Format("2006-01-02T15:04:05Z07:00"),
					DecidedBy: r.DecidedBy, Note: r.Note, Closed: r.Closed}
				if !r.DecidedAt.IsZero() {
					s := r.DecidedAt.In(cfg.Location).Format("2006-01-02T15:04:05Z07:00")
					j.DecidedAt = &s
				}
				for _, f := range r.Files {
					j.Files = append(j.Files, f.Name)
				}
				out = append(out, j)
				what := r.No
				if !r.Kind.OnItem() {
					what = r.Duty + " " + r.Period
				}
				on := ""
				if !r.On.IsZero() {
					on = r.On.String()
				}
				v.rows = append(v.rows, []string{strconv.FormatInt(r.ID, 10), r.Status.Label(), r.Kind.Label() + " " + what,
					cfg.UnitName(r.Unit), on, r.CreatedAt.In(cfg.Location).Format("2006-01-02 15:04"),
					oneLine(r.Body, 40), strconv.Itoa(len(r.Files))})
			}
			if out != nil {
				v.json = out
			}
			return writeView(a.stdout, format, v)
		}),
	}
	cmd.Flags().StringVar(&status, "status", "", "pending, approved or rejected (default all)")
	cmd.Flags().StringVar(&format, "format", formatTable, "table or json")
	return cmd
}

// oneLine folds text onto one line of at most n characters.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func (a *app) requestCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "request",
		Short: "Approve or reject a unit's request; the unit is told by its usual channels",
	}
	cmd.AddCommand(a.decideCommand(true), a.decideCommand(false))
	return cmd
}

func (a *app) decideCommand(approve bool) *cobra.Command {
	var note string
	var close bool
	use, short := "approve ID [--note T] [--close]", "Approve a request: apply it (done, new deadline, progress note, report accepted)"
	if !approve {
		use, short = "reject ID --note T", "Reject a request with the reason; a duty report no longer counts"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  exactArgs(1),
		PreRunE: func(*cobra.Command, []string) error {
			if !approve && strings.TrimSpace(note) == "" {
				return badInputf("--note is required: tell the unit what to change")
			}
			return nil
		},
		RunE: a.onStore(func(ctx context.Context, cfg *config.Config, st *store.Store, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return badInputf("request ID %q: want a number, as duban requests lists them", args[0])
			}
			rv, err := a.reviewer(ctx, cfg, st)
			if err != nil {
				return err
			}
			req, err := rv.Decide(ctx, id, approve, close, strings.TrimSpace(note), a.cliActor())
			switch {
			case errors.Is(err, store.ErrNotFound):
				return badInputf("request %d: no such request", id)
			case errors.Is(err, store.ErrDecided):
				return badInputf("request %d was decided already", id)
			case errors.Is(err, store.ErrNotOpen):
				return badInputf("request %d: the item is no longer open; reject the request instead", id)
			case err != nil:
				return err
			}
			fmt.Fprintf(a.stdout, "request %d (%s of %s) %s\n", id, req.Kind.Label(), cfg.UnitName(req.Unit), req.Status)
			return a.deliverNow(ctx, cfg, st)
		}),
	}
	cmd.Flags().StringVar(&note, "note", "", "the office's comment, sent to the unit")
	if approve {
		cmd.Flags().BoolVar(&close, "close", false, "approve a completion request as 已销号 at once")
	}
	return cmd
}

// reviewer decides requests as the console does.
func (a *app) reviewer(ctx context.Context, cfg *config.Config, st *store.Store) (*web.Reviewer, error) {
	tmpl, err := notify.LoadTemplates(cfg.Mail.TemplatesDir)
	if err != nil {
		return nil, badInputf("mail.templates_dir: %w", err)
	}
	links, err := a.unitLinks(ctx, cfg, st)
	if err != nil {
		return nil, err
	}
	return &web.Reviewer{Store: st, Config: cfg, Templates: tmpl, Links: links, Now: a.now}, nil
}

// deliverNow delivers what is due, the decision's messages among them, as
// run does; a message that fails temporarily stays for serve or deliver.
func (a *app) deliverNow(ctx context.Context, cfg *config.Config, st *store.Store) error {
	worker, err := a.newWorker(cfg, st)
	if err != nil {
		return err
	}
	defer worker.Close()
	stats, err := worker.DeliverDue(ctx, false)
	fmt.Fprintln(a.stdout, statsText(stats))
	return err
}
