package ledger

import "strings"

// Channels a message goes through: email, or the group-chat robot of one
// platform. A recipient address names its channel: a mailbox
// ("bgs@example.org") is email; a robot's address is its channel, a colon
// and its owner ("wecom:unit/bgs", "dingtalk:leader/wang",
// "feishu:supervisors").
const (
	ChannelEmail    = "email"
	ChannelWeCom    = "wecom"    // 企业微信 (and 政务微信) group robot
	ChannelDingTalk = "dingtalk" // 钉钉 (and 浙政钉) group robot
	ChannelFeishu   = "feishu"   // 飞书 group robot
)

// Channels lists the channels in the order they are shown.
var Channels = []string{ChannelEmail, ChannelWeCom, ChannelDingTalk, ChannelFeishu}

// ChannelLabel is the Chinese name of a channel; an unknown one stands for itself.
func ChannelLabel(channel string) string {
	switch channel {
	case ChannelEmail:
		return "邮件"
	case ChannelWeCom:
		return "企业微信"
	case ChannelDingTalk:
		return "钉钉"
	case ChannelFeishu:
		return "飞书"
	}
	return channel
}

// ChannelOf is the channel of a recipient address: a robot's platform, or
// email. A mailbox never has a colon before its @.
func ChannelOf(addr string) string {
	if prefix, _, ok := strings.Cut(addr, ":"); ok {
		switch prefix {
		case ChannelWeCom, ChannelDingTalk, ChannelFeishu:
			return prefix
		}
	}
	return ChannelEmail
}

// Robots are the group-chat robots of a unit, a leader or the supervisors,
// as the config writes them: each platform's webhook URL, and the secret
// of its signature (加签) where the platform has one. The URLs and secrets
// are credentials.
type Robots struct {
	WeComWebhook    string `toml:"wecom_webhook,omitempty"`
	DingTalkWebhook string `toml:"dingtalk_webhook,omitempty"`
	DingTalkSecret  string `toml:"dingtalk_secret,omitempty"`
	FeishuWebhook   string `toml:"feishu_webhook,omitempty"`
	FeishuSecret    string `toml:"feishu_secret,omitempty"`
}

// Robot is one robot a message can be addressed to.
type Robot struct {
	Address string // the recipient of its dispatches, e.g. "wecom:unit/bgs"
	Channel string // ChannelWeCom, ChannelDingTalk or ChannelFeishu
	Webhook string
	Secret  string
	// Mobile is the leader's phone number, mentioned (@) in the leader's
	// messages where the platform can; "" for units and supervisors.
	Mobile string
}

// OwnerSupervisors owns the supervisors' robots: "wecom:supervisors".
const OwnerSupervisors = "supervisors"

// List is the robots that are set, each with its address under owner.
func (r Robots) List(owner, mobile string) []Robot {
	var out []Robot
	for _, h := range []struct{ channel, webhook, secret string }{
		{ChannelWeCom, r.WeComWebhook, ""},
		{ChannelDingTalk, r.DingTalkWebhook, r.DingTalkSecret},
		{ChannelFeishu, r.FeishuWebhook, r.FeishuSecret},
	} {
		if h.webhook != "" {
			out = append(out, Robot{Address: h.channel + ":" + owner, Channel: h.channel,
				Webhook: h.webhook, Secret: h.secret, Mobile: mobile})
		}
	}
	return out
}

// Addresses are the addresses of the robots that are set, under owner.
func (r Robots) Addresses(owner string) []string {
	var out []string
	for _, robot := range r.List(owner, "") {
		out = append(out, robot.Address)
	}
	return out
}

// Robots are the unit's robot settings.
func (u Unit) Robots() Robots {
	return Robots{u.WeComWebhook, u.DingTalkWebhook, u.DingTalkSecret, u.FeishuWebhook, u.FeishuSecret}
}

// RobotList is the unit's robots, addressed "CHANNEL:unit/CODE".
func (u Unit) RobotList() []Robot { return u.Robots().List("unit/"+u.Code, "") }

// Addresses are where a unit's messages go: its mailboxes, then its robots.
func (u Unit) Addresses() []string {
	out := append([]string(nil), u.Emails...)
	for _, r := range u.RobotList() {
		out = append(out, r.Address)
	}
	return out
}

// RobotList is the leader's robots, addressed "CHANNEL:leader/CODE", each
// mentioning the leader's mobile.
func (l Leader) RobotList() []Robot { return l.Robots().List("leader/"+l.Code, l.Mobile) }

// Robots are the leader's robot settings.
func (l Leader) Robots() Robots {
	return Robots{l.WeComWebhook, l.DingTalkWebhook, l.DingTalkSecret, l.FeishuWebhook, l.FeishuSecret}
}

// Addresses are where a leader's messages go: the mailbox, if any, then
// the robots.
func (l Leader) Addresses() []string {
	var out []string
	if l.Email != "" {
		out = append(out, l.Email)
	}
	for _, r := range l.RobotList() {
		out = append(out, r.Address)
	}
	return out
}
