package report

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"duban/config"
	"duban/ledger"
	"duban/sheet"
)

// examples/notice.txt is the published notice the example ledger and the
// example config's [notice] texts come from. The notice duban writes from
// them reads as it does: every line of it, in order, headings and
// paragraphs alike.

const seedPath = "../examples/notice.txt"

// exampleNotice is the notice of the example ledger under the example
// config's texts, dated as the published one.
func exampleNotice(t *testing.T) (Notice, []ledger.Item) {
	t.Helper()
	cfg, err := config.Load("../config.example.toml", nil)
	if err != nil {
		t.Fatal(err)
	}
	items, err := sheet.ReadFile(context.Background(), "../examples/ledger.csv", "2024-7", cfg)
	if err != nil {
		t.Fatal(err)
	}
	round, _ := cfg.Round("2024-7")
	names := NewNames(round.Name, Texts(cfg.Notice), cfg.Units, cfg.Leaders)
	return Build(items, nil, names, ledger.NewDate(2025, 3, 14), cfg.Policy.YellowDays), items
}

// seedLines are the published notice's lines.
func seedLines(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(seedPath)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if line = normalise(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// normalise folds what the house style changes (the published text was
// typed with half-width punctuation) and drops blanks and Markdown's
// marks, so that texts compare by their words.
func normalise(s string) string {
	s = strings.NewReplacer(",", "，", ":", "：", ";", "；", "(", "（", ")", "）", `\`, "").Replace(s)
	s = strings.TrimLeft(s, "# ")
	return strings.Join(strings.Fields(s), "")
}

func TestExampleNoticeReadsAsTheSeed(t *testing.T) {
	t.Parallel()
	n, _ := exampleNotice(t)
	md := Markdown(n)
	var lines []string
	for _, line := range strings.Split(md, "\n") {
		if line = normalise(line); line != "" {
			lines = append(lines, line)
		}
	}
	at := 0
	for _, want := range seedLines(t) {
		i := indexFrom(lines, at, want)
		if i < 0 {
			t.Fatalf("the notice lacks, after line %d, the published line\n%s\n(the notice:\n%s)", at, want, md)
		}
		at = i + 1
	}
}

func indexFrom(lines []string, from int, want string) int {
	for i := from; i < len(lines); i++ {
		if lines[i] == want {
			return i
		}
	}
	return -1
}

// The published notice's headings of the three levels 一、 （一） 1.,
// in order.
var headingLevels = []struct {
	style string
	re    *regexp.Regexp
}{
	{"Heading1", regexp.MustCompile(`^[一二三四五六七八九十]+、`)},
	{"Heading2", regexp.MustCompile(`^（[一二三四五六七八九十]+）`)},
	{"Heading3", regexp.MustCompile(`^[0-9]+\.`)},
}

func TestExampleDOCXHasTheSeedsHeadingsAndResults(t *testing.T) {
	t.Parallel()
	n, items := exampleNotice(t)
	var buf bytes.Buffer
	if err := WriteDOCX(&buf, n); err != nil {
		t.Fatal(err)
	}
	paras := openDOCX(t, buf.Bytes()).document(t).paragraphs()
	var want, got []string
	for _, line := range seedLines(t) {
		for _, l := range headingLevels {
			if l.re.MatchString(line) {
				want = append(want, l.style+"|"+line)
			}
		}
	}
	results := map[string]int{}
	var headings []string
	for _, p := range paras {
		style, text, _ := strings.Cut(p, "|")
		switch {
		case style == "Heading1" || style == "Heading2" || style == "Heading3":
			got = append(got, style+"|"+normalise(text))
			headings = append(headings, text)
		case style == "Heading4":
			headings = append(headings, text)
		case strings.HasPrefix(text, "整改结果："):
			results[strings.TrimPrefix(text, "整改结果：")]++
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("headings\n%s\nwant the published notice's\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(want) != 3+4+9+2 {
		t.Errorf("%d headings in the published notice, want 3 sections, 4 categories, 11 numbered entries", len(want))
	}
	if results["已完成"] != 21 || results["未完成（正在整改）"] != 4 || len(results) != 2 {
		t.Errorf("results %v; want 21 已完成 and 4 未完成（正在整改）", results)
	}
	// Every problem of the ledger heads its part, in ledger order: （1）…
	// in a sub-category, or 1.… alone.
	numbered := regexp.MustCompile(`^(（[0-9]+）|[0-9]+\.)`)
	at := 0
	for _, it := range items {
		name := ledger.FullWidthPunct(it.Problem)
		for at < len(headings) && numbered.ReplaceAllString(headings[at], "") != name {
			at++
		}
		if at == len(headings) {
			t.Fatalf("no heading for problem %s %s, in order", it.No, name)
		}
		at++
	}
	for _, want := range []string{
		"NoticeTitle|中共济南市总工会党组关于市委第五轮巡察集中整改进展情况的通报",
		"|截至2025年3月14日，巡察反馈问题共25个，已完成整改21个，正在整改4个。",
		"Signature|中共济南市总工会党组",
		"Signature|2025年3月14日",
		"|电子邮箱：jnszghzzb@jn.shandong.cn",
	} {
		if !contains(paras, want) {
			t.Errorf("the document lacks the paragraph %q", want)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
