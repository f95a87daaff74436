package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"duban/ledger"
)

// ErrNotOpen is returned for a request on an item that is no longer open.
var ErrNotOpen = fmt.Errorf("%w: the item is not open", ErrConflict)

// ErrPending is returned for a completion or extension request on an item
// that has one of that kind waiting for review already.
var ErrPending = fmt.Errorf("%w: a request of that kind is pending", ErrConflict)

// ErrDecided is returned for a decision on a request decided already.
var ErrDecided = fmt.Errorf("%w: the request was decided already", ErrConflict)

// Request is what a unit filed through its link, and the office's decision.
type Request struct {
	ID     int64
	Kind   ledger.RequestKind
	Unit   string
	Round  string // the item's, for the kinds on an item
	No     string
	Duty   string // the duty period's, for a submission
	Period string
	Body   string      // the report, what was done, or the reason
	On     ledger.Date // a completion's day, an extension's new deadline
	Status ledger.RequestStatus
	// CreatedAt is when it was filed; DecidedAt, DecidedBy and Note the decision.
	CreatedAt, DecidedAt time.Time
	DecidedBy, Note      string
	Closed               bool // a completion approved as 已销号 at once
	Files                []File
}

// File is an uploaded file's record, without its bytes.
type File struct {
	ID, RequestID     int64
	Name, ContentType string
	Size              int64
	SHA256            string
	CreatedAt         time.Time
}

// Upload is a file to store with a request: its name (sanitised), its type
// (checked from its content) and its bytes.
type Upload struct {
	Name, ContentType string
	Data              []byte
}

type requestRow struct {
	ID           int64         `db:"id"`
	Kind         string        `db:"kind"`
	Unit         string        `db:"unit"`
	ItemID       sql.NullInt64 `db:"item_id"`
	Round        string        `db:"round"`
	No           string        `db:"no"`
	Duty         string        `db:"duty"`
	Period       string        `db:"period"`
	SubmissionID sql.NullInt64 `db:"submission_id"`
	Body         string        `db:"body"`
	On           ledger.Date   `db:"on_date"`
	Status       string        `db:"status"`
	CreatedAt    dbTime        `db:"created_at"`
	DecidedAt    dbTime        `db:"decided_at"`
	DecidedBy    string        `db:"decided_by"`
	Note         string        `db:"decision_note"`
	Closed       bool          `db:"closed"`
}

func (r requestRow) request() Request {
	return Request{
		ID: r.ID, Kind: ledger.RequestKind(r.Kind), Unit: r.Unit, Round: r.Round, No: r.No,
		Duty: r.Duty, Period: r.Period, Body: r.Body, On: r.On, Status: ledger.RequestStatus(r.Status),
		CreatedAt: r.CreatedAt.Time, DecidedAt: r.DecidedAt.Time, DecidedBy: r.DecidedBy, Note: r.Note, Closed: r.Closed,
	}
}

type fileRow struct {
	ID          int64  `db:"id"`
	RequestID   int64  `db:"request_id"`
	Name        string `db:"name"`
	ContentType string `db:"content_type"`
	Size        int64  `db:"size"`
	SHA256      string `db:"sha256"`
	CreatedAt   dbTime `db:"created_at"`
}

func (r fileRow) file() File {
	return File{ID: r.ID, RequestID: r.RequestID, Name: r.Name, ContentType: r.ContentType, Size: r.Size,
		SHA256: r.SHA256, CreatedAt: r.CreatedAt.Time}
}

const (
	requestCols = `r.id, r.kind, r.unit, r.item_id, COALESCE(i.round, '') AS round, COALESCE(i.no, '') AS no,
		r.duty, r.period, r.submission_id, r.body, r.on_date, r.status, r.created_at, r.decided_at,
		r.decided_by, r.decision_note, r.closed`
	qListRequests  = `SELECT ` + requestCols + ` FROM requests r LEFT JOIN items i ON i.id = r.item_id` // + WHERE + order
	qGetRequest    = qListRequests + ` WHERE r.id = ?`
	qInsertRequest = `INSERT INTO requests (kind, unit, item_id, duty, period, submission_id, body, on_date,
		status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?) RETURNING id`
	qPendingOnItem = `SELECT COUNT(*) FROM requests WHERE item_id = ? AND kind = ? AND status = 'pending'`
	qDecideRequest = `UPDATE requests SET status = ?, decided_at = ?, decided_by = ?, decision_note = ?, closed = ?
		WHERE id = ? AND status = 'pending'`
	qRequestExists      = `SELECT COUNT(*) FROM requests WHERE id = ?`
	qItemByID           = `SELECT ` + itemCols + ` FROM items WHERE id = ?`
	qInsertSubmissionID = qInsertSubmission + ` RETURNING id`
	qWithdrawByID       = `UPDATE submissions SET withdrawn_at = ?, withdrawn_by = ?, withdraw_reason = ?
		WHERE id = ? AND withdrawn_at IS NULL`

	fileCols     = `id, request_id, name, content_type, size, sha256, created_at`
	qInsertFile  = `INSERT INTO files (request_id, name, content_type, size, sha256, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`
	qFilesOf     = `SELECT ` + fileCols + ` FROM files WHERE request_id IN (?) ORDER BY request_id, id`
	qGetFile     = `SELECT ` + fileCols + ` FROM files WHERE id = ?`
	qGetFileData = `SELECT data FROM files WHERE id = ?`

	// The decision's message to each of the unit's addresses: its key
	// names the request and the recipient, so that it is queued once.
	qInsertDecision = `INSERT INTO dispatches (key, job, recipient, channel, subject, body_text, body_html, refs,
		next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`
)

// AddRequest records what a unit files through its link, with its files,
// and returns its id. A request on an item needs the unit to be one of the
// item's units (else ErrNotFound: a unit does not learn of others' items)
// and the item to be open (ErrNotOpen); a completion or extension request
// while one of its kind waits is ErrPending. A submission is recorded in
// submissions at once, so that it counts (and stops the reminders) while
// it waits for review; ErrConflict when the period is submitted already.
func (s *Store) AddRequest(ctx context.Context, req Request, files []Upload, by Actor, now time.Time) (int64, error) {
	if !req.Kind.Valid() || req.Unit == "" || now.IsZero() {
		return 0, fmt.Errorf("store: add request: a kind, a unit and the time are required")
	}
	var id int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var itemID, subID any
		if req.Kind.OnItem() {
			it, err := s.unitItem(ctx, tx, req.Unit, req.Round, req.No)
			if err != nil {
				return err
			}
			itemID = it.ID
			if req.Kind != ledger.RequestProgress {
				var n int
				if err := get(ctx, tx, &n, qPendingOnItem, it.ID, string(req.Kind)); err != nil {
					return err
				}
				if n > 0 {
					return ErrPending
				}
			}
		} else {
			if req.Duty == "" || req.Period == "" {
				return errors.New("a submission needs its duty and period")
			}
			var sid int64
			err := get(ctx, tx, &sid, qInsertSubmissionID, req.Duty, req.Unit, req.Period,
				ledger.DateOf(s.inZone(now)), req.Body, by.Name, ts(now))
			if err != nil {
				return classify(err)
			}
			subID = sid
		}
		var on any
		if !req.On.IsZero() {
			on = req.On
		}
		if err := get(ctx, tx, &id, qInsertRequest, string(req.Kind), req.Unit, itemID, req.Duty, req.Period,
			subID, req.Body, on, ts(now)); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		var names []string
		for _, f := range files {
			sum := sha256.Sum256(f.Data)
			if _, err := exec(ctx, tx, qInsertFile, id, f.Name, f.ContentType, len(f.Data),
				hex.EncodeToString(sum[:]), f.Data, ts(now)); err != nil {
				return fmt.Errorf("insert file %s: %w", f.Name, err)
			}
			names = append(names, f.Name)
		}
		req.ID, req.Status, req.CreatedAt = id, ledger.RequestPending, now
		return audit(ctx, tx, by, now, ActionRequestAdd, ObjectRequest, strconv.FormatInt(id, 10), nil, requestState(req, names))
	})
	if err != nil {
		return 0, fmt.Errorf("store: add %s request of %s: %w", req.Kind, req.Unit, err)
	}
	return id, nil
}

// unitItem reads the open item round/no of unit, locked where the dialect can.
func (s *Store) unitItem(ctx context.Context, tx dbtx, unit, round, no string) (itemRow, error) {
	it, err := getItemRow(ctx, tx, s.q.itemForUpdate, round, no)
	if err != nil {
		return itemRow{}, err
	}
	if !slices.Contains(it.units, unit) {
		return itemRow{}, ErrNotFound
	}
	if it.Status != string(ledger.StatusOpen) {
		return itemRow{}, ErrNotOpen
	}
	return it, nil
}

// requestState is what the audit log shows of a request: never the files' bytes.
func requestState(r Request, files []string) map[string]any {
	m := map[string]any{"kind": r.Kind, "unit": r.Unit, "status": r.Status}
	if r.Kind.OnItem() {
		m["item"] = r.Round + "/" + r.No
	} else {
		m["duty"], m["period"] = r.Duty, r.Period
	}
	if r.Body != "" {
		m["body"] = r.Body
	}
	if !r.On.IsZero() {
		m["on"] = r.On.String()
	}
	if files != nil {
		m["files"] = files
	}
	if r.Status != ledger.RequestPending {
		m["note"], m["closed"] = r.Note, r.Closed
	}
	return m
}

// RequestFilter selects requests; zero fields match everything. Limit <= 0
// is no limit.
type RequestFilter struct {
	Status        ledger.RequestStatus
	Unit          string
	Limit, Offset int
}

// ListRequests returns the requests f selects with their files' records:
// the pending ones oldest first (the order of the queue), otherwise newest
// first.
func (s *Store) ListRequests(ctx context.Context, f RequestFilter) ([]Request, error) {
	var where []string
	var args []any
	if f.Status != "" {
		where, args = append(where, `r.status = ?`), append(args, string(f.Status))
	}
	if f.Unit != "" {
		where, args = append(where, `r.unit = ?`), append(args, f.Unit)
	}
	query := qListRequests
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	if f.Status == ledger.RequestPending {
		query += ` ORDER BY r.created_at, r.id`
	} else {
		query += ` ORDER BY r.created_at DESC, r.id DESC`
	}
	query, args = s.page(query, args, f.Limit, f.Offset)
	var rows []requestRow
	if err := sel(ctx, s.rdb, &rows, query, args...); err != nil {
		return nil, fmt.Errorf("store: list requests: %w", err)
	}
	out := make([]Request, len(rows))
	for i, r := range rows {
		out[i] = r.request()
	}
	if err := s.fillFiles(ctx, out); err != nil {
		return nil, fmt.Errorf("store: list requests: %w", err)
	}
	return out, nil
}

// GetRequest returns one request with its files' records, or ErrNotFound.
func (s *Store) GetRequest(ctx context.Context, id int64) (Request, error) {
	var r requestRow
	if err := get(ctx, s.rdb, &r, qGetRequest, id); err != nil {
		return Request{}, fmt.Errorf("store: get request %d: %w", id, classify(err))
	}
	out := []Request{r.request()}
	if err := s.fillFiles(ctx, out); err != nil {
		return Request{}, fmt.Errorf("store: get request %d: %w", id, err)
	}
	return out[0], nil
}

func (s *Store) fillFiles(ctx context.Context, reqs []Request) error {
	byID := make(map[int64]*Request, len(reqs))
	ids := make([]int64, len(reqs))
	for i := range reqs {
		byID[reqs[i].ID], ids[i] = &reqs[i], reqs[i].ID
	}
	for _, chunk := range chunks(ids, listChunk) {
		query, args, err := in(s.rdb, qFilesOf, chunk)
		if err != nil {
			return err
		}
		var rows []fileRow
		if err := sqlx.SelectContext(ctx, s.rdb, &rows, query, args...); err != nil {
			return fmt.Errorf("files: %w", err)
		}
		for _, f := range rows {
			r := byID[f.RequestID]
			r.Files = append(r.Files, f.file())
		}
	}
	return nil
}

// GetFile returns a file's record and its bytes, or ErrNotFound.
func (s *Store) GetFile(ctx context.Context, id int64) (File, []byte, error) {
	var r fileRow
	if err := get(ctx, s.rdb, &r, qGetFile, id); err != nil {
		return File{}, nil, fmt.Errorf("store: get file %d: %w", id, classify(err))
	}
	var data []byte
	if err := get(ctx, s.rdb, &data, qGetFileData, id); err != nil {
		return File{}, nil, fmt.Errorf("store: get file %d: %w", id, classify(err))
	}
	return r.file(), data, nil
}

// Decision is the office's answer to a request: approve or reject, with a
// note for the unit. Close approves a completion as 已销号 at once.
// UnitName names the unit in the timeline's entries.
type Decision struct {
	Approve  bool
	Close    bool
	Note     string
	UnitName string
}

// Outgoing is a message to one recipient.
type Outgoing struct {
	Recipient string
	Message
}

// DecideRequest approves or rejects a pending request, in one transaction
// with its effects, the messages that tell the unit (queued once per
// request and recipient) and the audit entry. Approving applies it: a
// completion makes the item 已完成 on the request's day (已销号 with Close),
// an extension moves the deadline (an edit of the deadline, with the reason,
// in the timeline), a progress report becomes a progress note; a
// submission, counted since it was filed, stays. Rejecting withdraws a
// submission, which then no longer counts, and changes nothing else. A
// request decided already is ErrDecided; an extension of an item no
// longer open is ErrNotOpen.
func (s *Store) DecideRequest(ctx context.Context, id int64, d Decision, out []Outgoing, by Actor, now time.Time) (Request, error) {
	status := ledger.RequestRejected
	if d.Approve {
		status = ledger.RequestApproved
	}
	var req Request
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := execOne(ctx, tx, qDecideRequest, string(status), ts(now), by.Name, d.Note, d.Approve && d.Close, id); err != nil {
			if !errors.Is(err, ErrNotFound) {
				return err
			}
			var n int
			if err := get(ctx, tx, &n, qRequestExists, id); err != nil {
				return err
			}
			if n > 0 {
				return ErrDecided
			}
			return ErrNotFound
		}
		var r requestRow
		if err := get(ctx, tx, &r, qGetRequest, id); err != nil {
			return err
		}
		req = r.request()
		if err := s.applyDecision(ctx, tx, r, d, by, now); err != nil {
			return err
		}
		for _, o := range out {
			key := fmt.Sprintf("%s/%d/%s", ledger.JobReview, id, o.Recipient)
			if _, err := exec(ctx, tx, qInsertDecision, key, ledger.JobReview, o.Recipient, ledger.ChannelOf(o.Recipient),
				o.Subject, o.Text, o.HTML, o.Refs, ts(now), ts(now), ts(now)); err != nil {
				return fmt.Errorf("queue the decision to %s: %w", o.Recipient, err)
			}
		}
		action := ActionRequestReject
		if d.Approve {
			action = ActionRequestApprove
		}
		return audit(ctx, tx, by, now, action, ObjectRequest, strconv.FormatInt(id, 10), requestState(req, nil), requestState(decided(req, d, status, by, now), nil))
	})
	if err != nil {
		return Request{}, fmt.Errorf("store: decide request %d: %w", id, err)
	}
	return decided(req, d, status, by, now), nil
}

// decided is req as the decision leaves it.
func decided(req Request, d Decision, status ledger.RequestStatus, by Actor, now time.Time) Request {
	req.Status, req.Note, req.Closed, req.DecidedBy, req.DecidedAt = status, d.Note, d.Approve && d.Close, by.Name, now
	return req
}

// applyDecision makes the request's effect on the ledger or the submissions.
func (s *Store) applyDecision(ctx context.Context, tx *sqlx.Tx, r requestRow, d Decision, by Actor, now time.Time) error {
	kind := ledger.RequestKind(r.Kind)
	if !d.Approve {
		if kind == ledger.RequestSubmission && r.SubmissionID.Valid {
			reason := "审核退回"
			if d.Note != "" {
				reason += "：" + d.Note
			}
			if _, err := exec(ctx, tx, qWithdrawByID, ts(now), by.Name, reason, r.SubmissionID.Int64); err != nil {
				return fmt.Errorf("withdraw the submission: %w", err)
			}
		}
		return nil
	}
	if !kind.OnItem() {
		return nil
	}
	cur, err := s.itemByID(ctx, tx, r.ItemID.Int64)
	if err != nil {
		return err
	}
	note := fmt.Sprintf("%s经链接%s（申请 #%d）", cmp.Or(d.UnitName, r.Unit), kind.Label(), r.ID)
	if r.Body != "" {
		note += "：" + r.Body
	}
	event := ledger.Event{At: now, On: ledger.DateOf(s.inZone(now)), Note: note, Actor: by.Name}
	subject := ledger.ItemSubject(cur.item())
	switch kind {
	case ledger.RequestProgress:
		event.Kind, event.On = ledger.EventProgress, ledger.DateOf(s.inZone(r.CreatedAt.Time))
		if err := insertEvent(ctx, tx, cur.ID, event); err != nil {
			return err
		}
		return audit(ctx, tx, by, now, ActionItemProgress, ObjectItem, subject, nil,
			map[string]string{"on": event.On.String(), "note": note})
	case ledger.RequestCompletion:
		return s.completeItem(ctx, tx, cur, r.On, d.Close, event, by)
	case ledger.RequestExtension:
		if cur.Status != string(ledger.StatusOpen) {
			return ErrNotOpen
		}
		old := cur.item()
		it := old
		it.Deadline, it.LongTerm = r.On, false
		changes := ledger.Changes(old, it, ledger.ItemFields())
		if len(changes) == 0 {
			return nil
		}
		if err := writeChanges(ctx, tx, cur, it, cur.FollowupConfirmedOn, changes, event); err != nil {
			return err
		}
		before, after := auditSides(changes, note)
		return audit(ctx, tx, by, now, ActionItemEdit, ObjectItem, subject, before, after)
	}
	return nil
}

// completeItem makes an item done on the day on (closed with close), as
// ChangeStatus does; an item the office marked done or closed meanwhile
// keeps its completion day, and is only closed when asked.
func (s *Store) completeItem(ctx context.Context, tx *sqlx.Tx, cur itemRow, on ledger.Date, close bool, e ledger.Event, by Actor) error {
	from := ledger.Status(cur.Status)
	to := ledger.StatusDone
	if close {
		to = ledger.StatusClosed
	}
	if from == to || (from == ledger.StatusClosed && to == ledger.StatusDone) {
		return nil
	}
	it := cur.item()
	it.Status = to
	if from == ledger.StatusOpen {
		it.CompletedOn = on
	}
	followup := settle(&it, cur, e.On)
	if err := execOne(ctx, tx, qSetItemStatus, string(to), it.CompletedOn, it.DoneSeenOn, followup, ts(e.At), cur.ID); err != nil {
		return err
	}
	e.Kind, e.Field, e.Old, e.New, e.On = ledger.EventStatus, ledger.FieldStatus, string(from), string(to), it.CompletedOn
	if err := insertEvent(ctx, tx, cur.ID, e); err != nil {
		return err
	}
	old := cur.item()
	before, after := auditSides(ledger.Changes(old, it, []ledger.Field{ledger.FieldStatus, ledger.FieldCompletedOn}), e.Note)
	return audit(ctx, tx, by, e.At, statusActions[to], ObjectItem, ledger.ItemSubject(old), before, after)
}

func (s *Store) itemByID(ctx context.Context, tx dbtx, id int64) (itemRow, error) {
	query := qItemByID
	if s.dialect == dialectPostgres {
		query += ` FOR UPDATE`
	}
	var r itemRow
	if err := get(ctx, tx, &r, query, id); err != nil {
		return itemRow{}, classify(err)
	}
	rows := []itemRow{r}
	if err := fillUnits(ctx, tx, rows); err != nil {
		return itemRow{}, err
	}
	return rows[0], nil
}
