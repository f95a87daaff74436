package ledger

// JobReview names the messages that tell a unit the office's decision on
// its request; it is no cron job (not in JobNames).
const JobReview = "review"

// RequestKind is what a unit files through its link (反馈).
type RequestKind string

const (
	RequestProgress   RequestKind = "progress"   // 报送进展: an account of work done, with files
	RequestCompletion RequestKind = "completion" // 申请销号: the item is done, on a day, with evidence
	RequestExtension  RequestKind = "extension"  // 申请延期: a later deadline, with a reason
	RequestSubmission RequestKind = "submission" // 定期任务报送: a duty's report for a period
)

// RequestKinds are the kinds in the order the office reads them.
var RequestKinds = []RequestKind{RequestCompletion, RequestExtension, RequestProgress, RequestSubmission}

// Valid reports whether k is one of the kinds.
func (k RequestKind) Valid() bool {
	switch k {
	case RequestProgress, RequestCompletion, RequestExtension, RequestSubmission:
		return true
	}
	return false
}

// OnItem reports whether a request of kind k concerns an item (else a duty period).
func (k RequestKind) OnItem() bool { return k != RequestSubmission }

// Label is the kind as the office and the units call it.
func (k RequestKind) Label() string {
	switch k {
	case RequestProgress:
		return "报送进展"
	case RequestCompletion:
		return "申请销号"
	case RequestExtension:
		return "申请延期"
	case RequestSubmission:
		return "定期任务报送"
	}
	return string(k)
}

// RequestStatus is where a request stands in the review (审核).
type RequestStatus string

const (
	RequestPending  RequestStatus = "pending"  // 待审核
	RequestApproved RequestStatus = "approved" // 已通过
	RequestRejected RequestStatus = "rejected" // 已退回
)

// ParseRequestStatus reads a status by its name or label.
func ParseRequestStatus(s string) (RequestStatus, bool) {
	for _, st := range []RequestStatus{RequestPending, RequestApproved, RequestRejected} {
		if s == string(st) || s == st.Label() {
			return st, true
		}
	}
	return "", false
}

// Label is the status in the office's words.
func (s RequestStatus) Label() string {
	switch s {
	case RequestPending:
		return "待审核"
	case RequestApproved:
		return "已通过"
	case RequestRejected:
		return "已退回"
	}
	return string(s)
}
