package store

import "fmt"

// SQL of the store. Every query is written once with ? placeholders and
// rebound for the dialect by get/sel/exec; the few statements the dialects
// cannot share are in dialectQueries. Column lists are constants so that
// SELECT and RETURNING always match the row structs.

// rounds
const (
	qUpsertRound = `INSERT INTO rounds (code, name) VALUES (?, ?)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name`
	qInsertRoundIfMissing = `INSERT INTO rounds (code, name) VALUES (?, ?)
		ON CONFLICT (code) DO NOTHING`
)

// items
const (
	itemCols = `id, round, no, seq, category, problem, measures, leader, deadline,
		long_term, status, completed_on, progress, followup_confirmed_on, created_at, updated_at`

	qItemByKey  = `SELECT ` + itemCols + ` FROM items WHERE round = ? AND no = ?`
	qItemsByNo  = `SELECT ` + itemCols + ` FROM items WHERE no = ? ORDER BY round LIMIT 2`
	qItemIDOf   = `SELECT id FROM items WHERE round = ? AND no = ?`
	qCountItems = `SELECT COUNT(*) FROM items`
	qListItems  = `SELECT ` + itemCols + ` FROM items` // + WHERE filters + qItemsOrder
	qItemsOrder = ` ORDER BY round, seq, id`

	// Open (or done) items are read a page at a time, keyed by their order,
	// so that no result set stays open while the caller works on an item.
	// The status leads the key, as it leads items_status_order: keyed by
	// (round, seq, id) alone, PostgreSQL walks every item in ledger order
	// and drops those of other statuses.
	qStatusItemsFirst = `SELECT ` + itemCols + ` FROM items WHERE status = ?
		ORDER BY round, seq, id LIMIT ?`
	qStatusItemsAfter = `SELECT ` + itemCols + ` FROM items WHERE status = ?
		AND (status, round, seq, id) > (?, ?, ?, ?) ORDER BY status, round, seq, id LIMIT ?`

	qInsertItem = `INSERT INTO items (round, no, seq, category, problem, measures, leader,
		deadline, long_term, status, completed_on, progress, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
	qUpdateItem = `UPDATE items SET seq = ?, category = ?, problem = ?, measures = ?, leader = ?,
		deadline = ?, long_term = ?, status = ?, completed_on = ?, progress = ?,
		followup_confirmed_on = ?, updated_at = ? WHERE id = ?`
	qSetItemStatus = `UPDATE items SET status = ?, completed_on = ?, followup_confirmed_on = ?,
		updated_at = ? WHERE id = ?`
	qSetItemProgress = `UPDATE items SET progress = ?, updated_at = ? WHERE id = ?`
	qSetItemFollowup = `UPDATE items SET followup_confirmed_on = ?, updated_at = ? WHERE id = ?`
	qDeleteItemUnits = `DELETE FROM item_units WHERE item_id = ?`
	qInsertItemUnit  = `INSERT INTO item_units (item_id, unit, position) VALUES (?, ?, ?)`
	qUnitsOfItems    = `SELECT item_id, unit FROM item_units WHERE item_id IN (?) ORDER BY item_id, position`
	qInsertItemEvent = `INSERT INTO item_events (item_id, kind, at, on_date, from_status, to_status, note, actor)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	qItemEvents = `SELECT id, kind, at, on_date, from_status, to_status, note, actor
		FROM item_events WHERE item_id = ? ORDER BY at, id`
)

// Item filters, joined with AND into qListItems' WHERE clause.
const (
	fItemRound  = `round = ?`
	fItemStatus = `status = ?`
	fItemLeader = `leader = ?`
	// The unit's items by the index item_units_unit, not each item looked up.
	fItemUnit = `id IN (SELECT item_id FROM item_units WHERE unit = ?)`
	// lower() on both sides: PostgreSQL's LIKE is case-sensitive.
	fItemTextPostgres = `(lower(no) LIKE ? ESCAPE '\' OR lower(category) LIKE ? ESCAPE '\'
		OR lower(problem) LIKE ? ESCAPE '\' OR lower(measures) LIKE ? ESCAPE '\'
		OR lower(progress) LIKE ? ESCAPE '\')`
	// SQLite's LIKE ignores the case of ASCII letters, and its lower()
	// changes only those: the same matches without lowering every text.
	fItemTextSQLite = `(no LIKE ? ESCAPE '\' OR category LIKE ? ESCAPE '\'
		OR problem LIKE ? ESCAPE '\' OR measures LIKE ? ESCAPE '\'
		OR progress LIKE ? ESCAPE '\')`
)

// submissions
const (
	qInsertSubmission = `INSERT INTO submissions (duty, unit, period, submitted_on, note, actor, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`
	submissionCols       = `duty, unit, period, submitted_on, note, actor, created_at`
	qListSubmissions     = `SELECT ` + submissionCols + ` FROM submissions ORDER BY duty, period, unit`
	qListDutySubmissions = `SELECT ` + submissionCols + ` FROM submissions WHERE duty = ? ORDER BY period, unit`
)

// job runs
const (
	runCols   = `id, job, scheduled_for, started_at, finished_at, owner, outcome, reminders, dispatches, error`
	qClaimRun = `INSERT INTO job_runs (job, scheduled_for, started_at, owner, outcome)
		VALUES (?, ?, ?, ?, 'running')
		ON CONFLICT (job, scheduled_for) DO NOTHING RETURNING ` + runCols
	qFinishRun = `UPDATE job_runs SET finished_at = ?, outcome = ?, reminders = ?, dispatches = ?, error = ?
		WHERE id = ?`
	qLastRuns = `SELECT ` + runCols + ` FROM job_runs r
		WHERE scheduled_for = (SELECT MAX(scheduled_for) FROM job_runs WHERE job = r.job)`
	qListRuns    = `SELECT ` + runCols + ` FROM job_runs ORDER BY scheduled_for DESC, id DESC`
	qListJobRuns = `SELECT ` + runCols + ` FROM job_runs WHERE job = ? ORDER BY scheduled_for DESC, id DESC`
)

// reminders
const (
	qKnownReminders = `SELECT key FROM reminders WHERE key IN (?)`
	// Many at once: multiRow adds a tuple per reminder.
	qInsertReminders = `INSERT INTO reminders (key, rule, subject, stage, recipient, job, run_id,
		dispatch_key, created_at) VALUES `
	qInsertRemindersEnd = ` ON CONFLICT (key) DO NOTHING RETURNING key`
)

// dispatches
const (
	dispatchCols = `id, key, job, run_id, recipient, subject, body_text, body_html, refs, state,
		attempts, next_attempt_at, lease_owner, lease_until, last_error, smtp_reply, message_id,
		created_at, sent_at`

	// Many at once: multiRow adds a tuple per message (key, job, run_id,
	// recipient, subject, body_text, body_html, refs, next_attempt_at,
	// created_at, updated_at).
	qInsertDispatches = `INSERT INTO dispatches (key, job, run_id, recipient, subject, body_text,
		body_html, refs, next_attempt_at, created_at, updated_at) VALUES `
	qInsertDispatchesEnd = ` ON CONFLICT (key) DO NOTHING RETURNING key`
	qGetDispatch         = `SELECT ` + dispatchCols + ` FROM dispatches WHERE id = ?`
	qListDispatches      = `SELECT ` + dispatchCols + ` FROM dispatches` // + WHERE filters + order
	qDispatchesOrder     = ` ORDER BY created_at DESC, id DESC`
	qNextDispatchDue     = `SELECT MIN(next_attempt_at) FROM dispatches WHERE state = 'pending'`
	qCountByState        = `SELECT state, COUNT(*) AS n FROM dispatches GROUP BY state`
	qDispatchState       = `SELECT state FROM dispatches WHERE id = ?`

	// A claim leases the pending dispatches that are due and the sending
	// ones whose lease expired; PostgreSQL adds FOR UPDATE SKIP LOCKED to
	// the subquery (queriesFor). Parameters: owner, lease until, now, due
	// by, now, limit.
	qClaimDispatches = `UPDATE dispatches SET state = 'sending', lease_owner = ?, lease_until = ?,
		attempts = attempts + 1, updated_at = ?
	WHERE id IN (SELECT id FROM dispatches
		WHERE (state = 'pending' AND next_attempt_at <= ?) OR (state = 'sending' AND lease_until < ?)
		ORDER BY next_attempt_at, id LIMIT ?%s)
	RETURNING ` + dispatchCols

	// Only the owner of a live claim may settle it. A pending outcome
	// brings its next attempt time, the others keep theirs; the
	// Message-ID is kept when the worker passes none.
	qSettle = `UPDATE dispatches SET state = ?, next_attempt_at = COALESCE(?, next_attempt_at),
		attempts = attempts - ?, last_error = ?, smtp_reply = ?, message_id = COALESCE(NULLIF(?, ''), message_id),
		sent_at = ?, lease_until = NULL, updated_at = ?
	WHERE id = ? AND state = 'sending' AND lease_owner = ?`

	// A retry from the console starts the attempt budget afresh.
	qRetryDispatch = `UPDATE dispatches SET state = 'pending', attempts = 0, next_attempt_at = ?,
		updated_at = ? WHERE id = ? AND state = 'failed'`
)

// Dispatch filters, joined with AND into qListDispatches' WHERE clause.
const (
	fDispatchSince = `created_at >= ?`
	fDispatchUntil = `created_at < ?`
	fDispatchState = `state = ?`
	fDispatchTo    = `lower(recipient) = lower(?)`
	fDispatchJob   = `job = ?`
)

// Every dispatch that carried a reminder about a subject (an item's
// "ROUND/NO", a duty's "DUTY/PERIOD"), newest first.
const qDispatchesForSubject = `SELECT ` + dispatchCols + ` FROM dispatches
	WHERE key IN (SELECT dispatch_key FROM reminders WHERE subject = ?)` + qDispatchesOrder

// dialectQueries holds the statements and fragments that differ by dialect.
type dialectQueries struct {
	itemForUpdate   string // qItemByKey, locking the row where the dialect can
	claimDispatches string
	noLimit         string // LIMIT value meaning "all rows", for OFFSET without LIMIT
	itemText        string // the ItemFilter.Text condition
}

func queriesFor(dialect string) dialectQueries {
	if dialect == dialectPostgres {
		return dialectQueries{
			itemForUpdate:   qItemByKey + ` FOR UPDATE`,
			claimDispatches: fmt.Sprintf(qClaimDispatches, " FOR UPDATE SKIP LOCKED"),
			noLimit:         `ALL`,
			itemText:        fItemTextPostgres,
		}
	}
	// SQLite transactions begin IMMEDIATE: the row is already as good as locked.
	return dialectQueries{
		itemForUpdate:   qItemByKey,
		claimDispatches: fmt.Sprintf(qClaimDispatches, ""),
		noLimit:         `-1`,
		itemText:        fItemTextSQLite,
	}
}
