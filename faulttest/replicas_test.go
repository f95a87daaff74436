package faulttest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// waitStarted waits until each daemon has scheduled its jobs.
func waitStarted(t *testing.T, ds ...*daemon) {
	t.Helper()
	for _, d := range ds {
		d.log.WaitFor(t, "job scheduled", 60*time.Second)
	}
}

// waitReminders waits until n deadline reminders are recorded, all of them
// in a dispatch, and every dispatch is settled.
func (r *rig) waitReminders(n int, timeout time.Duration) {
	r.t.Helper()
	eventually(r.t, timeout, fmt.Sprintf("%d reminders delivered", n), func() bool {
		var rems, linked, open int
		err := r.db.QueryRow(`SELECT
			(SELECT COUNT(*) FROM reminders WHERE rule = 'deadline'),
			(SELECT COUNT(*) FROM reminders WHERE rule = 'deadline' AND dispatch_key IS NOT NULL),
			(SELECT COUNT(*) FROM dispatches WHERE state IN ('pending', 'sending'))`).Scan(&rems, &linked, &open)
		return err == nil && rems >= n && linked == rems && open == 0
	})
}

// ownerPid is the pid at the end of a run or lease owner ("host/pid").
func ownerPid(owner string) int {
	i := strings.LastIndexByte(owner, '/')
	pid, _ := strconv.Atoi(owner[i+1:])
	return pid
}

// Three replicas on one PostgreSQL, the deadline job every two seconds,
// new ledger batches imported while they run: every (item, stage,
// recipient) is delivered exactly once, and the replicas share the runs
// instead of each running its own.
func TestThreeReplicasDeliverEachReminderOnce(t *testing.T) {
	const units, perUnit = 60, 2
	r := newRig(t, rigOptions{units: units})
	launched := time.Now()
	ds := []*daemon{r.serve("replica-a"), r.serve("replica-b"), r.serve("replica-c")}
	waitStarted(t, ds...)

	start := time.Now()
	duration := faultDuration(t)
	deadline := today().AddDate(0, 0, 3) // stage remind-3d, to the unit only
	var items []item
	tick := time.NewTicker(3 * time.Second)
	defer tick.Stop()
	for batch := 1; time.Since(start) < duration; batch++ {
		items = append(items, r.importBatch(fmt.Sprintf("B%d", batch), perUnit, deadline)...)
		<-tick.C
	}
	r.waitReminders(len(items), 2*time.Minute)
	elapsed := time.Since(start)
	for _, d := range ds {
		d.stop(t)
	}
	running := time.Since(launched)

	x := r.tally()
	checked := r.checkItems(items, "remind-3d")
	if x.lost != 0 || x.duplicates != 0 || x.sent != x.dispatches || x.received != x.dispatches {
		t.Errorf("want every dispatch sent and received once: %s (duplicated: %q)", x, x.dupKeys)
	}

	// The runs: one row per two-second tick at most (the replicas wake at
	// the same instants and one claims each), shared among the replicas.
	var runs, runOwners, sendOwners int
	if err := r.db.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT owner) FROM job_runs WHERE job = 'deadlines'`).Scan(&runs, &runOwners); err != nil {
		t.Fatal(err)
	}
	if err := r.db.QueryRow(`SELECT COUNT(DISTINCT lease_owner) FROM dispatches WHERE state = 'sent'`).Scan(&sendOwners); err != nil {
		t.Fatal(err)
	}
	// One run per tick while they ran, plus at most one catch-up run each.
	if maxRuns := int(running/(2*time.Second)) + 1 + len(ds); runs > maxRuns || runs < 2 {
		t.Errorf("%d deadline runs in %s, want between 2 and %d: the replicas must share the ticks", runs, running.Round(time.Second), maxRuns)
	}
	var misaligned int
	if err := r.db.QueryRow(`SELECT COUNT(*) FROM job_runs
		WHERE job = 'deadlines' AND CAST(EXTRACT(EPOCH FROM scheduled_for) AS BIGINT) % 2 <> 0`).Scan(&misaligned); err != nil {
		t.Fatal(err)
	}
	if misaligned != 0 {
		t.Errorf("%d runs scheduled off the two-second grid", misaligned)
	}
	report(t, "three-replicas", x, fmt.Sprintf("reminders=%d items_checked=%d runs=%d run_owners=%d send_owners=%d duration=%s",
		len(items), checked, runs, runOwners, sendOwners, elapsed.Round(time.Second)))
}

// kill -9 of a replica while its messages are in flight: nothing is lost;
// a message it had handed to the server but not yet recorded (its senders
// record a batch's outcomes together) arrives twice at most, once from it
// and once from the replica that takes its expired lease over, so the
// duplicates are among the dispatches it had claimed. There are more
// messages than one batch, so that both senders of the first replica to
// claim have messages and both its connections are in flight at once, long
// before any lease expires: a lease expiring while the server holds its message
// would let a second replica send it too, a duplicate outside the victim's
// claims that only the short lease of this test makes possible.
func TestKillReplicaMidDelivery(t *testing.T) {
	const units, maxConnections = 80, 2
	r := newRig(t, rigOptions{units: units, env: []string{"DUBAN_MAIL__LEASE=6s"}})
	ds := []*daemon{r.serve("replica-a"), r.serve("replica-b"), r.serve("replica-c")}
	waitStarted(t, ds...)

	r.srv.Hold()
	items := r.importBatch("K", 1, today().AddDate(0, 0, 3))
	r.srv.WaitUntil(t, time.Minute, "messages in flight", func() bool { return r.srv.Holding() >= maxConnections })

	// The victim is the replica with the most claimed dispatches: the one
	// whose messages the server is holding.
	claimed := map[int][]string{}
	rows, err := r.db.Query(`SELECT lease_owner, key FROM dispatches WHERE state = 'sending'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var owner, key string
		if err := rows.Scan(&owner, &key); err != nil {
			t.Fatal(err)
		}
		claimed[ownerPid(owner)] = append(claimed[ownerPid(owner)], key)
	}
	rows.Close()
	var victim *daemon
	for _, d := range ds {
		if victim == nil || len(claimed[d.pid()]) > len(claimed[victim.pid()]) {
			victim = d
		}
	}
	if len(claimed[victim.pid()]) == 0 {
		t.Fatalf("messages are in flight but no replica holds a claim: %v", claimed)
	}
	held := r.srv.Holding()
	victim.kill(t)
	r.srv.Release()
	t.Logf("killed %s (pid %d) holding %d claimed dispatches; %d messages were in flight at the server",
		victim.name, victim.pid(), len(claimed[victim.pid()]), held)

	r.waitReminders(len(items), 2*time.Minute)
	for _, d := range ds {
		if d != victim {
			d.stop(t)
		}
	}
	x := r.tally()
	r.checkItems(items, "remind-3d")
	if x.lost != 0 || x.sent != x.dispatches {
		t.Errorf("want nothing lost: %s", x)
	}
	if x.duplicates > len(claimed[victim.pid()]) {
		t.Errorf("%d duplicates, want at most the %d dispatches the killed replica had claimed", x.duplicates, len(claimed[victim.pid()]))
	}
	victimKeys := map[string]bool{}
	for _, k := range claimed[victim.pid()] {
		victimKeys[k] = true
	}
	for _, k := range x.dupKeys {
		if !victimKeys[k] {
			t.Errorf("dispatch %s arrived twice but was not claimed by the killed replica", k)
		}
	}
	var retried int
	if err := r.db.QueryRow(`SELECT COUNT(*) FROM dispatches WHERE state = 'sent' AND attempts > 1`).Scan(&retried); err != nil {
		t.Fatal(err)
	}
	report(t, "kill-9", x, fmt.Sprintf("killed_claims=%d held_at_server=%d retried=%d max_connections=%d",
		len(claimed[victim.pid()]), held, retried, maxConnections))
}
