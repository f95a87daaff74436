package scheduler_test

import (
	"strings"
	"testing"

	"duban/ledger"
	"duban/store"
	"duban/store/storetest"
)

// A robot is told like a mailbox: each stage once, per robot, in a
// message of its own, markdown for the chat; a robot added later is told
// the current stage, like a new mailbox; the supervisors' robot gets the
// weekly summary.
func TestRobotsAreToldLikeMailboxes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		clk := &clock{t: at(t, "2025-06-16T09:00")}
		must(t, st.EnsureRounds(ctx, []ledger.Round{{Code: "r1"}}))
		items := []ledger.Item{
			{Round: "r1", No: "D1", Seq: 1, Problem: "制度缺失", Units: []string{"ua"}, Deadline: day(t, "2025-06-20"), Status: ledger.StatusOpen},
			{Round: "r1", No: "D2", Seq: 2, Problem: "台账不全", Units: []string{"ub"}, Deadline: day(t, "2025-06-02"), Status: ledger.StatusOpen},
		}
		_, err := st.ImportItems(ctx, items, store.ImportOptions{By: store.Actor{Name: "test", Kind: store.ActorCLI}, At: clk.t})
		must(t, err)
		dir := office()
		ua := dir.Units["ua"]
		ua.WeComWebhook = "https://wecom.example/send?key=a"
		dir.Units["ua"] = ua
		l2 := dir.Leaders["l2"]
		l2.DingTalkWebhook, l2.Mobile = "https://ding.example/send?access_token=l2", "13800001111"
		dir.Leaders["l2"] = l2
		dir.Supervisors = append(dir.Supervisors, "feishu:supervisors")
		s := schedulerWith(t, st, clk, dir)

		got := runAndCollect(t, st, s, clk, ledger.JobDeadlines, "2025-06-16T09:00")
		wantSent(t, "06-16", got,
			"a@t.example deadline r1/D1 remind-7d",
			"wecom:unit/ua deadline r1/D1 remind-7d",
			"b1@t.example deadline r1/D2 overdue-2",
			"b2@t.example deadline r1/D2 overdue-2",
			"l2@t.example deadline r1/D2 overdue-2",
			"dingtalk:leader/l2 deadline r1/D2 overdue-2")
		robot, err := st.ListDispatches(ctx, store.DispatchFilter{To: "wecom:unit/ua"})
		must(t, err)
		if len(robot) != 1 {
			t.Fatalf("%d dispatches to the robot, want 1", len(robot))
		}
		d := robot[0]
		if d.Channel != ledger.ChannelWeCom || d.BodyHTML != "" || !strings.HasPrefix(d.BodyText, "**综合科**：") ||
			!strings.Contains(d.BodyText, "**【提醒】D1**") || d.Subject != "【整改督办】1项即将到期" {
			t.Errorf("robot dispatch: channel %s subject %q html %q text:\n%s", d.Channel, d.Subject, d.BodyHTML, d.BodyText)
		}
		leader, err := st.ListDispatches(ctx, store.DispatchFilter{To: "dingtalk:leader/l2"})
		must(t, err)
		if len(leader) != 1 || !strings.HasPrefix(leader[0].BodyText, "**乙领导**：") {
			t.Errorf("the leader's robot is not addressed by name: %+v", leader)
		}

		// Next day nothing new for the robot; a robot added to ub now is
		// told D2's current stage, like a new mailbox.
		ub := dir.Units["ub"]
		ub.FeishuWebhook = "https://feishu.example/hook/b"
		dir.Units["ub"] = ub
		s = schedulerWith(t, st, clk, dir)
		got = runAndCollect(t, st, s, clk, ledger.JobDeadlines, "2025-06-17T09:00")
		wantSent(t, "06-17", got,
			"a@t.example deadline r1/D1 remind-3d",
			"wecom:unit/ua deadline r1/D1 remind-3d",
			"feishu:unit/ub deadline r1/D2 overdue-2")

		got = runAndCollect(t, st, s, clk, ledger.JobSummary, "2025-06-16T08:00")
		wantSent(t, "summary", got,
			"sup@t.example summary 2025-W25 weekly",
			"feishu:supervisors summary 2025-W25 weekly")
		sum, err := st.ListDispatches(ctx, store.DispatchFilter{To: "feishu:supervisors"})
		must(t, err)
		if len(sum) != 1 || sum[0].BodyHTML != "" || !strings.Contains(sum[0].BodyText, "**红灯事项（已逾期，1项）**") {
			t.Errorf("summary for the supervisors' robot: %+v", sum)
		}
	})
}
