package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"duban/internal/smtptest"
	"duban/ledger"
	"duban/store"
)

// The CLI mirrors the review queue: it lists the units' requests, approves
// or rejects them as the console does, and the unit's mailboxes get the
// decision, once; revoking a unit's links counts its generation up.
func TestRequestsAndLinksCommands(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		srv := smtptest.New(t)
		c := deadlineCLI(t, dbURL, srv)
		c.env = append(c.env, "DUBAN_ADMIN__PUBLIC_URL=https://duban.example.org", "DUBAN_ACTOR=张主任")
		st := openStoreOf(t, c)
		ctx := t.Context()
		add := func(r store.Request, files ...store.Upload) int64 {
			t.Helper()
			id, err := st.AddRequest(ctx, r, files, store.Actor{Name: r.Unit, Kind: store.ActorUnitLink, Addr: "192.0.2.9"}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		pdf := store.Upload{Name: "验收单.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4\n")}
		done := add(store.Request{Kind: ledger.RequestCompletion, Unit: "ub", Round: "r1", No: "X2", Body: "规划已印发", On: ledger.NewDate(2025, 6, 15)}, pdf)
		later := add(store.Request{Kind: ledger.RequestExtension, Unit: "ua", Round: "r1", No: "X1", Body: "待上级批复", On: ledger.NewDate(2025, 9, 30)})

		var pending []requestJSON
		c.jsonOut(&pending, "requests", "--status", "pending")
		if len(pending) != 2 || pending[0].ID != done || pending[0].Kind != "completion" || pending[0].No != "X2" ||
			pending[0].On == nil || *pending[0].On != "2025-06-15" || len(pending[0].Files) != 1 || pending[0].Files[0] != "验收单.pdf" {
			t.Fatalf("requests --status pending: %+v", pending)
		}
		if table := c.ok("requests"); !strings.Contains(table, "申请销号 X2") || !strings.Contains(table, "规划科") || !strings.Contains(table, "待审核") {
			t.Errorf("requests table:\n%s", table)
		}
		for _, args := range [][]string{
			{"request", "reject", strconv.FormatInt(later, 10)},      // no note
			{"request", "approve", "999"},                            // no such request
			{"request", "approve", "x"},                              // not a number
			{"requests", "--status", "lost"},                         // no such status
			{"requests", "--format", "csv"},                          // no such format
			{"links", "revoke"},                                      // no unit
			{"links", "revoke", "--unit", "不存在的科"},                   // no such unit
			{"request", "frob", strconv.FormatInt(later, 10)},        // no such decision
			{"request", "approve", strconv.FormatInt(done, 10), "x"}, // too many arguments
		} {
			if r := c.run(args...); r.code != 2 {
				t.Errorf("duban %s: exit %d, want 2\n%s", strings.Join(args, " "), r.code, r.stderr)
			}
		}

		out := c.ok("request", "approve", strconv.FormatInt(done, 10), "--note", "同意")
		if !strings.Contains(out, "approved") || !strings.Contains(out, "delivered 2") {
			t.Fatalf("request approve: %s", out)
		}
		if r := c.run("request", "approve", strconv.FormatInt(done, 10)); r.code != 2 || !strings.Contains(r.stderr, "decided already") {
			t.Errorf("a second approval: exit %d %s", r.code, r.stderr)
		}
		c.ok("request", "reject", strconv.FormatInt(later, 10), "--note", "理由不充分")
		for _, to := range []string{"b1@jw.example.net", "b2@jw.example.net", "a@jw.example.net"} {
			msgs := srv.MessagesTo(to)
			if len(msgs) != 1 {
				t.Fatalf("%s got %d decision messages, want 1", to, len(msgs))
			}
			body := textBody(t, msgs[0])
			if !strings.Contains(body, "https://duban.example.org/u/") {
				t.Errorf("decision to %s:\n%s", to, body)
			}
		}
		if body := textBody(t, srv.MessagesTo("a@jw.example.net")[0]); !strings.Contains(body, "予以退回") || !strings.Contains(body, "理由不充分") {
			t.Errorf("the rejection says:\n%s", body)
		}

		var approved []requestJSON
		c.jsonOut(&approved, "requests", "--status", "approved")
		if len(approved) != 1 || approved[0].DecidedBy != "张主任" || approved[0].Note != "同意" || approved[0].DecidedAt == nil {
			t.Errorf("requests --status approved: %+v", approved)
		}
		it, err := st.GetItem(ctx, "r1", "X2")
		if err != nil || it.Status != ledger.StatusDone || it.CompletedOn.String() != "2025-06-15" {
			t.Errorf("X2 after approval: %s %s %v", it.Status, it.CompletedOn, err)
		}
		log, err := st.ListAudit(ctx, store.AuditFilter{Action: store.ActionRequestApprove})
		if err != nil || len(log) != 1 || log[0].Kind != store.ActorCLI || log[0].Name != "张主任" {
			t.Errorf("audit: %+v %v", log, err)
		}
		// Approved done, X2 is reminded no more.
		before := len(srv.MessagesTo("b1@jw.example.net"))
		c.ok("run", "deadlines", "--as-of", "2025-06-17T09:00")
		for _, m := range srv.MessagesTo("b1@jw.example.net")[before:] {
			if strings.Contains(textBody(t, m), "X2 ") {
				t.Error("X2 was reminded after its completion was approved")
			}
		}

		if out := c.ok("links", "revoke", "--unit", "规划科"); !strings.Contains(out, "links of ub (规划科) revoked") {
			t.Errorf("links revoke: %s", out)
		}
		if gen, err := st.LinkGeneration(ctx, "ub"); err != nil || gen != 1 {
			t.Errorf("generation after revoke: %d %v", gen, err)
		}
	})
}
