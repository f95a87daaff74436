package config_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"duban/config"
)

// withRobots gives the office a 企业微信 group, the leader a 钉钉 group with
// a mobile to mention, and the supervisors a 飞书 group; the second unit
// has a robot and no mailbox.
func withRobots(t *testing.T) string {
	t.Helper()
	body := edit(t, `email = "wang@zgh.example.org"`, `email = "wang@zgh.example.org"
mobile = "13800001111"
dingtalk_webhook = "https://oapi.dingtalk.com/robot/send?access_token=ding-Secret1"
dingtalk_secret = "SEC-Secret2"`)
	body = strings.Replace(body, `leader = "wang"`, `leader = "wang"
wecom_webhook = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=wecom-Secret3"`, 1)
	body = strings.Replace(body, `emails = ["zb1@zgh.example.org"]`, `wecom_webhook = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=wecom-Secret4"`, 1)
	return "supervisors = [\"zgb@zgh.example.org\"]\n" + body + `
[supervisor_robots]
feishu_webhook = "https://open.feishu.cn/open-apis/bot/v2/hook/feishu-Secret5"
feishu_secret = "feishu-Secret6"
`
}

func TestRobotsAreAddresses(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, withRobots(t))
	dir := c.Directory()
	if got, want := dir.Units["bgs"].Addresses(), []string{"bgs@zgh.example.org", "wecom:unit/bgs"}; !slices.Equal(got, want) {
		t.Errorf("bgs addresses = %q, want %q", got, want)
	}
	if got, want := dir.Units["zb1"].Addresses(), []string{"wecom:unit/zb1"}; !slices.Equal(got, want) {
		t.Errorf("zb1 addresses = %q, want %q", got, want)
	}
	if got, want := dir.Supervisors, []string{"zgb@zgh.example.org", "feishu:supervisors"}; !slices.Equal(got, want) {
		t.Errorf("supervisors = %q, want %q", got, want)
	}
	// A duty with the programme's supervisors tells their robots too.
	if got := c.DutySpecs()[0].Supervisors; !slices.Equal(got, dir.Supervisors) {
		t.Errorf("duty supervisors = %q, want %q", got, dir.Supervisors)
	}
	robots := map[string]string{}
	for _, r := range c.Robots() {
		robots[r.Address] = r.Webhook + " " + r.Secret + " " + r.Mobile
	}
	want := map[string]string{
		"wecom:unit/bgs":       "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=wecom-Secret3  ",
		"wecom:unit/zb1":       "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=wecom-Secret4  ",
		"dingtalk:leader/wang": "https://oapi.dingtalk.com/robot/send?access_token=ding-Secret1 SEC-Secret2 13800001111",
		"feishu:supervisors":   "https://open.feishu.cn/open-apis/bot/v2/hook/feishu-Secret5 feishu-Secret6 ",
	}
	if len(robots) != len(want) {
		t.Errorf("robots = %q, want %q", robots, want)
	}
	for addr, w := range want {
		if robots[addr] != w {
			t.Errorf("robot %s = %q, want %q", addr, robots[addr], w)
		}
	}
}

func TestDutyWithItsOwnSupervisorsHasNoRobots(t *testing.T) {
	t.Parallel()
	body := strings.Replace(withRobots(t), `start = "2025-01"`, "start = \"2025-01\"\nsupervisors = [\"dj@zgh.example.org\"]", 1)
	c := mustLoad(t, body)
	if got := c.DutySpecs()[0].Supervisors; !slices.Equal(got, []string{"dj@zgh.example.org"}) {
		t.Errorf("duty supervisors = %q, want its own", got)
	}
}

func TestRedactedHidesRobots(t *testing.T) {
	t.Parallel()
	path := writeConfig(t, withRobots(t))
	c, err := config.Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := c.Redacted()
	if strings.Contains(out, "Secret") {
		t.Fatalf("Redacted() shows a robot's secret:\n%s", out)
	}
	for _, want := range []string{
		"wecom_webhook = 'https://qyapi.weixin.qq.com/******'",
		"dingtalk_secret = '******'",
		"feishu_webhook = 'https://open.feishu.cn/******'",
		"mobile = '13800001111'",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Redacted() lacks %q:\n%s", want, out)
		}
	}
	if c.Units[0].WeComWebhook != "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=wecom-Secret3" {
		t.Errorf("Redacted changed the config: %q", c.Units[0].WeComWebhook)
	}
	// The printout loads again.
	again := filepath.Join(t.TempDir(), "again.toml")
	if err := os.WriteFile(again, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(again, nil); err != nil {
		t.Errorf("the redacted config does not load: %v", err)
	}
}

func TestRobotSettingsChecked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, old, new string
		want           []string
	}{
		{"webhook without scheme", `leader = "wang"`, "leader = \"wang\"\nwecom_webhook = \"693a91f6-7xxx\"",
			[]string{"units[0].wecom_webhook", "whole webhook URL"}},
		{"webhook of another scheme", `leader = "wang"`, "leader = \"wang\"\nfeishu_webhook = \"ftp://open.feishu.cn/x\"",
			[]string{"units[0].feishu_webhook", `scheme "ftp"`}},
		{"secret without webhook", `leader = "wang"`, "leader = \"wang\"\ndingtalk_secret = \"SECx\"",
			[]string{"units[0].dingtalk_secret", "without dingtalk_webhook"}},
		{"bad mobile", `email = "wang@zgh.example.org"`, "email = \"wang@zgh.example.org\"\nmobile = \"138-0000\"",
			[]string{"leaders[0].mobile", "invalid phone number"}},
		{"unit with neither mailbox nor robot", `emails = ["zb1@zgh.example.org"]`, ``,
			[]string{"units[1].emails: is required", "or a robot"}},
		{"leader with neither mailbox nor robot", `email = "wang@zgh.example.org"`, ``,
			[]string{"leaders[0].email: is required", "or a robot"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := load(t, edit(t, tt.old, tt.new))
			findError(t, err, tt.want)
		})
	}
	_, _, err := load(t, base+"[supervisor_robots]\nfeishu_secret = \"x\"\n")
	findError(t, err, []string{"supervisor_robots.feishu_secret", "without feishu_webhook"})
}

func TestSenderMustBeTheAccountOnQQ163AndExmail(t *testing.T) {
	t.Parallel()
	smtp := func(host, username string) string {
		return base + "[mail.smtp]\nhost = \"" + host + "\"\ntls = \"tls\"\nusername = \"" + username + "\"\n"
	}
	tests := []struct {
		name, body string
		warn       bool
	}{
		{"QQ with another account", smtp("smtp.qq.com", "12345@qq.com"), true},
		{"163 with another account", smtp("smtp.163.com", "zgb@163.com"), true},
		{"Exmail with another account", smtp("smtp.exmail.qq.com", "office@zgh.example.org"), true},
		{"Exmail with the sender's account, other case", smtp("SMTP.exmail.qq.com", "ZGB@zgh.example.org"), false},
		{"another server takes any sender", smtp("smtp.example.org", "relay@example.org"), false},
		{"no login", smtp("smtp.qq.com", ""), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := mustLoad(t, tt.body, "DUBAN_MAIL__TRANSPORT=smtp")
			warned := slices.ContainsFunc(c.Warnings, func(w string) bool {
				return strings.Contains(w, "mail.from zgb@zgh.example.org is not mail.smtp.username") && strings.Contains(w, "501")
			})
			if warned != tt.warn {
				t.Errorf("warnings %q, want a sender warning: %v", c.Warnings, tt.warn)
			}
		})
	}
	if c := mustLoad(t, smtp("smtp.qq.com", "12345@qq.com")); len(c.Warnings) != 0 {
		t.Errorf("outbox transport: warnings %q, want none", c.Warnings)
	}
}
