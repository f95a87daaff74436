package web

import (
	"html"
	"regexp"
	"strconv"
	"testing"
	"time"

	"duban/store"
	"duban/store/storetest"
)

var (
	// emailEntry is an entry of a digest's text: "2. 【告诫】四.1 …".
	emailEntry = regexp.MustCompile(`(?m)^\d+\. 【([^】]+)】(\S+)`)
	// consoleRef is a ref of the dispatch page: its item linked, its tag.
	consoleRef = regexp.MustCompile(`<span class="ref"><a href="[^"]*">([^<]+)</a> <small>([^<]*)</small></span>`)
)

// The console names each reminder of a message as the message itself did:
// the unit's copy of an overdue item says 逾期催办, the leader's 告诫 and
// the supervisors' 约谈提醒, in the email and on the dispatch page alike.
func TestConsoleTagsMatchEmail(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "DUBAN_ADMIN_PASSWORD="+testPassword)
		// 2026-12-21: 四.2 (due 11-20) is a month overdue, 四.1 (11-30)
		// three weeks, 一.3.(1) (12-15) six days, still at its due stage.
		f.runAt(time.Date(2026, 12, 21, 9, 0, 0, 0, asOf.Location()))
		b := consoleFor(t, f)
		b.mustLogin()

		ds, err := st.ListDispatches(t.Context(), store.DispatchFilter{})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, listed := range ds {
			d, err := st.GetDispatch(t.Context(), listed.ID)
			if err != nil {
				t.Fatal(err)
			}
			email := map[string]string{}
			for _, m := range emailEntry.FindAllStringSubmatch(d.BodyText, -1) {
				email[m[2]] = m[1]
				seen[m[1]] = true
			}
			page := b.get("/dispatches/" + strconv.FormatInt(d.ID, 10))
			console := map[string]string{}
			for _, m := range consoleRef.FindAllStringSubmatch(page.body, -1) {
				console[html.UnescapeString(m[1])] = m[2]
			}
			if len(email) == 0 || !mapsEqualString(console, email) {
				t.Errorf("dispatch %d to %s: console tags %v, email tags %v", d.ID, d.Recipient, console, email)
			}
		}
		for _, tag := range []string{"逾期催办", "告诫", "约谈提醒"} {
			if !seen[tag] {
				t.Errorf("no message tagged %s: the run does not cover the escalations (saw %v)", tag, seen)
			}
		}
	})
}

func mapsEqualString(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestDurationLabel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0 毫秒"},
		{350 * time.Millisecond, "350 毫秒"},
		{time.Second, "1 秒"},
		{2440 * time.Millisecond, "2.4 秒"},
		{59*time.Second + 960*time.Millisecond, "1 分 0 秒"},
		{3*time.Minute + 5*time.Second, "3 分 5 秒"},
		{65 * time.Minute, "65 分 0 秒"},
	} {
		if got := durationLabel(tc.d); got != tc.want {
			t.Errorf("durationLabel(%s) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
