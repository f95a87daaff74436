package notify

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The Go renderings of the embedded digest templates write exactly what
// the templates write, for digests generated to reach every branch of
// them and every character html/template escapes.
func TestBuiltinDigestMatchesTemplates(t *testing.T) {
	t.Parallel()
	tm, err := LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	if tm.builtinSubject == nil || tm.builtinText == nil || tm.builtinHTML == nil {
		t.Fatal("the embedded digest templates are not rendered by the builtin functions")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		d := randomDigest(rng)
		v := newDigestView(d)
		for _, part := range []struct {
			name    string
			builtin func(*digestView) string
			tmpl    executor
		}{
			{"subject", builtinSubject, tm.subject},
			{"text", builtinText, tm.text},
			{"html", builtinHTML, tm.html},
		} {
			var want strings.Builder
			if err := part.tmpl.Execute(&want, v); err != nil {
				t.Fatalf("digest %d: template %s: %v", i, part.name, err)
			}
			if got := part.builtin(&v); got != want.String() {
				t.Fatalf("digest %d (%+v): the builtin %s differs from the template's:\n%s",
					i, d, part.name, firstDifference(got, want.String()))
			}
		}
	}
}

// An override of one digest template is executed; the others stay builtin.
func TestOverriddenDigestTemplateIsExecuted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, digestTextFile), []byte("自定义正文 {{.To}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tm, err := LoadTemplates(dir)
	if err != nil {
		t.Fatal(err)
	}
	if tm.builtinText != nil || tm.builtinSubject == nil || tm.builtinHTML == nil {
		t.Fatal("only the overridden text template should leave the builtin rendering")
	}
	_, text, html, err := tm.RenderDigest(DigestData{To: "a@example.org", Role: RoleUnit})
	if err != nil {
		t.Fatal(err)
	}
	if text != "自定义正文 a@example.org\n" || !strings.HasPrefix(html, "<!DOCTYPE html>") {
		t.Fatalf("text %q, html starts %q", text, html[:min(len(html), 20)])
	}
}

// randomDigest draws a digest: any role, zero to six entries of any kind,
// each optional field present or not, and text with the characters
// html/template escapes, a NUL and invalid UTF-8.
func randomDigest(rng *rand.Rand) DigestData {
	pick := func(options ...string) string { return options[rng.IntN(len(options))] }
	text := func() string {
		return pick("", "固定资产管理不规范", `<b>"三重一大"</b> & 'x'+1`, "a\x00b", "\xff\xfe名", "  空格  ", "第1项\n第2项")
	}
	names := func() []string {
		var out []string
		for range rng.IntN(4) {
			out = append(out, pick("财务资产部", "办公室", "<组织部>", "A&B"))
		}
		return out
	}
	d := DigestData{
		To:        pick("a@example.org", "x+y@example.org"),
		ToName:    pick("", "财务资产部", "王<某>"),
		Role:      pick(RoleUnit, RoleLeader, RoleSupervisor, ""),
		Concerns:  names(),
		OtherOpen: pick3(rng, 0, 0, 4),
		Omitted:   pick3(rng, 0, 0, 7),
		AsOf:      pick("", "2025-06-16"),
		Office:    pick("", "整改办", "整改<领导>小组"),
	}
	allMissing := rng.IntN(4) == 0 // a supervisors' roll: every entry a duty with missing units
	for range rng.IntN(7) {
		e := Entry{
			Kind:        pick(KindDeadline, KindDuty, "duty-missing", KindFollowup, "unknown"),
			Stage:       pick("overdue-2", "due", "open"),
			StageLabel:  pick("催办", "提醒", "告诫", "<标签>"),
			No:          pick("", "一.3.(1)", "X&5"),
			Problem:     text(),
			Measures:    text(),
			Deadline:    pick("", "2025-06-30"),
			DaysLeft:    rng.IntN(41) - 20,
			LeaderName:  pick("", "王某某", "李'某"),
			UnitNames:   names(),
			DutyName:    pick("三重一大", "《三会一课》", "<x>"),
			Period:      pick("2025年1月", "2025年第2季度", ""),
			DueDate:     pick("", "2025-02-05"),
			Missing:     names(),
			CompletedOn: pick("", "2025-04-20"),
		}
		if allMissing {
			e.Kind, e.Missing = "duty-missing", append(e.Missing, "办公室")
		}
		d.Entries = append(d.Entries, e)
	}
	return d
}

func pick3(rng *rand.Rand, a, b, c int) int { return []int{a, b, c}[rng.IntN(3)] }

// firstDifference shows where two renderings part.
func firstDifference(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-80)
	return "got:  …" + got[from:min(len(got), i+80)] + "\nwant: …" + want[from:min(len(want), i+80)]
}
