package ledger

import (
	"slices"
	"testing"
)

func TestChannelOf(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		"bgs@zgh.example.org":  ChannelEmail,
		"wecom:unit/bgs":       ChannelWeCom,
		"dingtalk:leader/wang": ChannelDingTalk,
		"feishu:supervisors":   ChannelFeishu,
		"slack:unit/bgs":       ChannelEmail, // no such channel: not a robot
		"":                     ChannelEmail,
	} {
		if got := ChannelOf(addr); got != want {
			t.Errorf("ChannelOf(%q) = %q, want %q", addr, got, want)
		}
	}
}

func TestAddressesListMailboxesThenRobots(t *testing.T) {
	t.Parallel()
	u := Unit{Code: "bgs", Emails: []string{"bgs@zgh.example.org"},
		WeComWebhook: "https://wecom.example/send?key=k", FeishuWebhook: "https://feishu.example/hook/h", FeishuSecret: "s"}
	if got, want := u.Addresses(), []string{"bgs@zgh.example.org", "wecom:unit/bgs", "feishu:unit/bgs"}; !slices.Equal(got, want) {
		t.Errorf("unit addresses = %q, want %q", got, want)
	}
	robots := u.RobotList()
	if len(robots) != 2 || robots[1].Secret != "s" || robots[1].Webhook != u.FeishuWebhook || robots[0].Mobile != "" {
		t.Errorf("unit robots = %+v", robots)
	}

	l := Leader{Code: "wang", Mobile: "13800001111", DingTalkWebhook: "https://ding.example/send?access_token=t", DingTalkSecret: "SECx"}
	if got, want := l.Addresses(), []string{"dingtalk:leader/wang"}; !slices.Equal(got, want) {
		t.Errorf("leader without a mailbox: addresses = %q, want %q", got, want)
	}
	if r := l.RobotList(); len(r) != 1 || r[0].Mobile != "13800001111" || r[0].Secret != "SECx" || r[0].Channel != ChannelDingTalk {
		t.Errorf("leader robots = %+v, want one 钉钉 robot mentioning the mobile", r)
	}
	if got := (Robots{WeComWebhook: "w"}).Addresses(OwnerSupervisors); !slices.Equal(got, []string{"wecom:supervisors"}) {
		t.Errorf("supervisors' robot addresses = %q", got)
	}
}

// A reminder goes to every channel of its recipient: each robot is an
// address of its own, so that each is told once, like each mailbox.
func TestNoticesGoToEveryChannel(t *testing.T) {
	t.Parallel()
	dir := NewDirectory(
		[]Unit{{Code: "bgs", Name: "办公室", Emails: []string{"bgs@zgh.example.org"}, Leader: "wang",
			WeComWebhook: "https://wecom.example/send?key=k", DingTalkWebhook: "https://ding.example/send?access_token=t"}},
		[]Leader{{Code: "wang", Name: "王某某", Email: "wang@zgh.example.org", FeishuWebhook: "https://feishu.example/hook/h"}},
		append([]string{"zgb@zgh.example.org"}, Robots{WeComWebhook: "https://wecom.example/send?key=s"}.Addresses(OwnerSupervisors)...),
	)
	it := Item{Round: "2024-7", No: "一.1", Units: []string{"bgs"}, Deadline: NewDate(2025, 1, 31), Status: StatusOpen}
	got := summaries(ItemNotices(it, dir, day(t, "2025-03-03"), DefaultPolicy()))
	want := []string{
		"bgs@zgh.example.org unit urge overdue-4 [bgs] -31",
		"wecom:unit/bgs unit urge overdue-4 [bgs] -31",
		"dingtalk:unit/bgs unit urge overdue-4 [bgs] -31",
		"wang@zgh.example.org leader warn overdue-4 [bgs] -31",
		"feishu:leader/wang leader warn overdue-4 [bgs] -31",
		"zgb@zgh.example.org supervisor summon overdue-4 [bgs] -31",
		"wecom:supervisors supervisor summon overdue-4 [bgs] -31",
	}
	if !slices.Equal(got, want) {
		t.Errorf("notices:\n got %q\nwant %q", got, want)
	}
	keys := map[string]bool{}
	for _, n := range ItemNotices(it, dir, day(t, "2025-03-03"), DefaultPolicy()) {
		if keys[n.Key()] {
			t.Errorf("two notices share the key %s", n.Key())
		}
		keys[n.Key()] = true
	}
}
