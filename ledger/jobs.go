package ledger

// Jobs of the daemon, by the names the config, the CLI and the job runs
// use.
const (
	JobDeadlines = "deadlines" // deadline reminders of open items
	JobDuties    = "duties"    // reminders of recurring reports not submitted
	JobFollowups = "followups" // 回头看 of done items
	JobSummary   = "summary"   // the supervisors' weekly summary
)

// JobNames lists the jobs in the order they are shown.
var JobNames = []string{JobDeadlines, JobDuties, JobFollowups, JobSummary}

// JobLabel is the Chinese name of a job; an unknown job stands for itself.
func JobLabel(job string) string {
	switch job {
	case JobDeadlines:
		return "到期提醒"
	case JobDuties:
		return "定期任务提醒"
	case JobFollowups:
		return "回头看提醒"
	case JobSummary:
		return "定期调度汇总"
	case JobReview:
		return "审核结果"
	}
	return job
}
