package main

import "github.com/spf13/cobra"

// addLaterCommands registers the daemon and delivery commands.
func (a *app) addLaterCommands(root *cobra.Command) {
	root.AddCommand(
		a.serveCommand(),
		a.runCommand(),
		a.planCommand(),
		a.deliverCommand(),
		a.logsCommand(),
		a.jobsCommand(),
		a.reportCommand(),
		a.submitCommand(),
		a.dutiesCommand(),
	)
}
