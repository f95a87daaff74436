package config_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"duban/config"
)

// Without [notice] the notice has the default title and headings and no
// texts of the office's own; the example carries the seed notice's.
func TestNoticeDefaultsAndExample(t *testing.T) {
	t.Parallel()
	n := mustLoad(t, base).Notice
	if n.Title != config.DefaultNoticeTitle || n.Issuer != "" || len(n.Opening) != 0 ||
		n.ProgressHeading != config.DefaultProgressHeading || n.NextStepsHeading != config.DefaultNextStepsHeading {
		t.Errorf("default notice %+v", n)
	}
	c, err := config.Load(examplePath, nil)
	if err != nil {
		t.Fatal(err)
	}
	ex := c.Notice
	if ex.Issuer != "中共济南市总工会党组" || len(ex.Organisation) != 2 || len(ex.NextSteps) != 5 ||
		len(ex.Contacts) != 3 || !strings.HasPrefix(ex.Opening[0], "根据市委统一部署，2024年4月9日") {
		t.Errorf("example notice %+v", ex)
	}
}

func TestNoticeConfigErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, notice, want string }{
		{"unknown placeholder", "[notice]\ntitle = \"{issuer}关于{rond}的通报\"\n", ":33: notice.title: unknown placeholder {rond}: want {issuer}, {round}, {date}"},
		{"placeholder in a paragraph", "[notice]\nopening = [\"甲\", \"截至{day}\"]\n", "notice.opening[1]: unknown placeholder {day}"},
		{"empty paragraph", "[notice]\ncontacts = [\" \"]\n", "notice.contacts[0]: must not be empty"},
		{"empty title", "[notice]\ntitle = \"\"\n", "notice.title: must not be empty"},
		{"unknown key", "[notice]\nissuers = \"党组\"\n", `notice.issuers: unknown key (did you mean "issuer"?)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := load(t, base+"\n"+tt.notice)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// A --notice file replaces the keys it sets and keeps the others; its
// problems name the file, line and key.
func TestWithNoticeFile(t *testing.T) {
	t.Parallel()
	n := mustLoad(t, base+"\n[notice]\nissuer = \"党组\"\nclosing = [\"欢迎监督。\"]\n").Notice
	write := func(body string) string {
		path := filepath.Join(t.TempDir(), "notice.toml")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	got, err := n.WithNoticeFile(write("issuer = \"中共某某党组\"\nopening = [\"第一段\", \"第二段 {date}\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Issuer != "中共某某党组" || !slices.Equal(got.Opening, []string{"第一段", "第二段 {date}"}) ||
		!slices.Equal(got.Closing, []string{"欢迎监督。"}) || got.Title != config.DefaultNoticeTitle {
		t.Errorf("notice with the file: %+v", got)
	}
	if n.Issuer != "党组" || len(n.Opening) != 0 {
		t.Errorf("the configured notice changed: %+v", n)
	}
	for _, tt := range []struct{ body, want string }{
		{"issuer = \"甲\"\ntitel = \"乙\"\n", `notice.toml:2: titel: unknown key (did you mean "title"?)`},
		{"issuer = \"甲\"\nnext_steps = [\"一是{what}\"]\n", "notice.toml:2: next_steps[0]: unknown placeholder {what}"},
		{"issuer = 3\n", "notice.toml:1: issuer:"},
		{"opening = [\"a\nb\"]", "notice.toml:1:"},
	} {
		_, err := n.WithNoticeFile(write(tt.body))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("file %q: error %v, want %q", tt.body, err, tt.want)
		}
	}
	if _, err := n.WithNoticeFile(filepath.Join(t.TempDir(), "missing.toml")); err == nil || !strings.Contains(err.Error(), "missing.toml") {
		t.Errorf("missing file: %v", err)
	}
}
