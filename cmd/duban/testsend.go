package main

import (
	"cmp"
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"duban/config"
	"duban/ledger"
	"duban/notify"
	"duban/store"
)

func (a *app) testSendCommand() *cobra.Command {
	var to, unit string
	cmd := &cobra.Command{
		Use:   "test-send (--to ADDR | --unit U)",
		Short: "Send one test message through every channel of a recipient and print each server's answer",
		Long: "Send one test message to an address (a mailbox, or a robot like wecom:unit/bgs), or to every\n" +
			"mailbox and robot of a unit (code or name), straight away, and print what each server answered.\n" +
			"Nothing is recorded. Exits 1 when any message was not taken.",
		Args: exactArgs(0),
		PreRunE: func(*cobra.Command, []string) error {
			if (to == "") == (unit == "") {
				return badInputf("give either --to ADDR or --unit U")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			addrs, name, err := testTargets(cfg, to, unit)
			if err != nil {
				return err
			}
			chs, _, err := a.channels(cfg)
			if err != nil {
				return err
			}
			defer notify.CloseChannels(chs)
			return a.testSend(cmd.Context(), cfg, chs, addrs, name)
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "an address: a mailbox, or a robot like wecom:unit/bgs")
	cmd.Flags().StringVar(&unit, "unit", "", "a unit (code or name): every mailbox and robot it has")
	return cmd
}

// testTargets are the addresses test-send writes to, and whom they belong to.
func testTargets(cfg *config.Config, to, unit string) ([]string, string, error) {
	if unit != "" {
		code, ok := cfg.ResolveUnit(unit)
		if !ok {
			return nil, "", badInputf("unknown unit %q: no [[units]] has this code or name", unit)
		}
		u, _ := cfg.Unit(code)
		return u.Addresses(), u.Name, nil
	}
	if ledger.ChannelOf(to) == ledger.ChannelEmail {
		if a, err := mail.ParseAddress(to); err != nil || a.Address != to {
			return nil, "", badInputf("invalid --to %q: want a bare address like bgs@example.org, or a robot like wecom:unit/bgs", to)
		}
		return []string{to}, "", nil
	}
	var known []string
	for _, r := range cfg.Robots() {
		if r.Address == to {
			return []string{to}, "", nil
		}
		known = append(known, r.Address)
	}
	return nil, "", badInputf("no robot %q in the config; the robots are: %s", to, cmp.Or(strings.Join(known, ", "), "none"))
}

// testSend sends one test message to each address through its channel and
// prints each answer.
func (a *app) testSend(ctx context.Context, cfg *config.Config, chs map[string]notify.Channel, addrs []string, name string) error {
	now := a.now()
	var rows [][]string
	failed := 0
	for _, addr := range addrs {
		channel := ledger.ChannelOf(addr)
		rc, err := chs[channel].Send(ctx, testDispatch(cfg, addr, name, now))
		result, answer := "ok", rc.Reply
		if err != nil {
			failed++
			result = "failed"
			answer = strings.TrimSpace(cmp.Or(rc.Reply, "-") + " (" + err.Error() + ")")
		}
		rows = append(rows, []string{addr, channel, result, answer})
	}
	writeTable(a.stdout, []string{"TO", "CHANNEL", "RESULT", "ANSWER"}, rows)
	if failed > 0 {
		return fmt.Errorf("test-send: %d of %d messages were not taken", failed, len(addrs))
	}
	return nil
}

// testDispatch is the test message to one address, in that channel's form:
// text for a mailbox, markdown for a robot.
func testDispatch(cfg *config.Config, addr, name string, now time.Time) store.Dispatch {
	greeting := "您好："
	if name != "" {
		greeting = name + "："
	}
	body := greeting + "\n\n这是 duban 督办系统的测试消息，用于确认提醒能经此渠道送达，无需回复。\n\n" + cfg.Office() + "\n"
	if ledger.ChannelOf(addr) != ledger.ChannelEmail {
		body = "**" + greeting + "**\n\n这是 duban 督办系统的测试消息，用于确认提醒能经此渠道送达。\n\n" + cfg.Office()
	}
	return store.Dispatch{
		Key:       "test-send/" + now.UTC().Format("20060102T150405Z") + "/" + addr,
		Recipient: addr, Channel: ledger.ChannelOf(addr), Subject: "【督办测试】测试消息", BodyText: body,
		CreatedAt: now,
	}
}
