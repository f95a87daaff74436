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
	itemCols = `id, round, no, seq, category, subcategory, problem, measures, leader, deadline,
		long_term, status, completed_on, done_seen_on, progress, followup_confirmed_on, imported_at`

	qItemByKey  = `SELECT ` + itemCols + ` FROM items WHERE round = ? AND no = ?`
	qItemsByNo  = `SELECT ` + itemCols + ` FROM items WHERE no = ? ORDER BY round LIMIT 2`
	qItemIDOf   = `SELECT id FROM items WHERE round = ? AND no = ?`
	qCountItems = `SELECT COUNT(*) FROM items`
	qListItems  = `SELECT ` + itemCols + ` FROM items` // + WHERE filters + qItemsOrder
	qItemsOrder = ` ORDER BY round, seq, id`

	// The items of one status with what the open ones were told, and the
	// units of the items of one status: the jobs read each in one query,
	// in no particular order (the rules sort what they say).
	qStatusItems = `SELECT ` + itemCols + `, COALESCE(t.digest, '') AS told
		FROM items LEFT JOIN item_told t ON t.item_id = items.id WHERE status = ?`
	qStatusUnits = `SELECT u.item_id, u.unit FROM item_units u JOIN items i ON i.id = u.item_id
		WHERE i.status = ? ORDER BY u.item_id, u.position`
	// The digests of the deadline reminders recorded (Told), many at once:
	// multiRow adds a tuple (item_id, digest) per item.
	qSetTold    = `INSERT INTO item_told (item_id, digest) VALUES `
	qSetToldEnd = ` ON CONFLICT (item_id) DO UPDATE SET digest = excluded.digest`

	qInsertItem = `INSERT INTO items (round, no, seq, category, subcategory, problem, measures,
		leader, deadline, long_term, status, completed_on, done_seen_on, progress, created_at,
		updated_at, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
	// Every field of the ledger, as an import or an edit leaves them.
	qUpdateItem = `UPDATE items SET seq = ?, category = ?, subcategory = ?, problem = ?, measures = ?, leader = ?,
		deadline = ?, long_term = ?, status = ?, completed_on = ?, done_seen_on = ?, progress = ?,
		followup_confirmed_on = ?, updated_at = ? WHERE id = ?`
	qNextSeq       = `SELECT COALESCE(MAX(seq), 0) + 1 FROM items WHERE round = ?`
	qMarkImported  = `UPDATE items SET imported_at = ? WHERE id IN (?)`
	qSetItemStatus = `UPDATE items SET status = ?, completed_on = ?, done_seen_on = ?,
		followup_confirmed_on = ?, updated_at = ? WHERE id = ?`
	qSetItemFollowup = `UPDATE items SET followup_confirmed_on = ?, updated_at = ? WHERE id = ?`
	qDeleteItemUnits = `DELETE FROM item_units WHERE item_id = ?`
	qInsertItemUnit  = `INSERT INTO item_units (item_id, unit, position) VALUES (?, ?, ?)`
	qUnitsOfItems    = `SELECT item_id, unit FROM item_units WHERE item_id IN (?) ORDER BY item_id, position`

	eventCols        = `id, kind, at, on_date, field, old_value, new_value, note, actor, source`
	qInsertItemEvent = `INSERT INTO item_events (item_id, kind, at, on_date, field, old_value,
		new_value, note, actor, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qItemEvents = `SELECT ` + eventCols + ` FROM item_events WHERE item_id = ? ORDER BY at, id`
	// The changes made in duban (not by an import) since an instant: what
	// an import must not undo unasked. The creation of an item in duban is
	// where that starts, not a change.
	qChangesInDubanSince = `SELECT ` + eventCols + ` FROM item_events
		WHERE item_id = ? AND source = '' AND field <> '' AND kind <> 'created' AND at >= ? ORDER BY at, id`
	// The latest progress notes of each item of a round, up to a day.
	qLatestNotes = `SELECT no, ` + eventCols + ` FROM (
		SELECT i.no, e.id, e.kind, e.at, e.on_date, e.field, e.old_value, e.new_value, e.note,
			e.actor, e.source,
			ROW_NUMBER() OVER (PARTITION BY e.item_id ORDER BY e.on_date DESC, e.id DESC) AS latest
		FROM item_events e JOIN items i ON i.id = e.item_id
		WHERE i.round = ? AND e.kind = 'progress' AND e.on_date <= ?) notes
		WHERE latest <= ? ORDER BY no, on_date, id`
)

// Item filters, joined with AND into qListItems' WHERE clause.
const (
	fItemRound  = `round = ?`
	fItemStatus = `status = ?`
	fItemLeader = `leader = ?`
	// The unit's items by the index item_units_unit, not each item looked up.
	fItemUnit = `id IN (SELECT item_id FROM item_units WHERE unit = ?)`
	// A search matches ASCII letters whatever their case and every other
	// character as it is, on both stores: SQLite's LIKE ignores the case of
	// ASCII letters only, and PostgreSQL's lower() under the "C" collation
	// lowers only those (under the database's own collation it lowers every
	// letter, and much slower). The texts are searched in a subquery:
	// told to order the items and stop at a page, PostgreSQL would walk the
	// whole ledger in order through its index rather than scan it once.
	fItemTextPostgres = `id IN (SELECT id FROM items WHERE ` + textLowerLike + `)`
	// A search without ASCII letters (Chinese, digits) matches the same
	// without lowering every text of the ledger.
	fItemTextLike = `id IN (SELECT id FROM items WHERE ` + textLike + `)`
	// A search of letters and other characters (B12500) lowers only the
	// texts that hold its longest run of other characters as it is (12500):
	// lowering is most of what the scan costs.
	fItemTextPostgresNarrowed = `id IN (SELECT id FROM items WHERE (` + textLike + `) AND (` + textLowerLike + `))`

	textLike = `no LIKE ? ESCAPE '\' OR category LIKE ? ESCAPE '\'
		OR subcategory LIKE ? ESCAPE '\' OR problem LIKE ? ESCAPE '\' OR measures LIKE ? ESCAPE '\'
		OR progress LIKE ? ESCAPE '\'`
	textLowerLike = `lower(no COLLATE "C") LIKE ? ESCAPE '\'
		OR lower(category COLLATE "C") LIKE ? ESCAPE '\' OR lower(subcategory COLLATE "C") LIKE ? ESCAPE '\'
		OR lower(problem COLLATE "C") LIKE ? ESCAPE '\' OR lower(measures COLLATE "C") LIKE ? ESCAPE '\'
		OR lower(progress COLLATE "C") LIKE ? ESCAPE '\'`
)

// submissions
const (
	qInsertSubmission = `INSERT INTO submissions (duty, unit, period, submitted_on, note, actor, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`
	submissionCols   = `duty, unit, period, submitted_on, note, actor, created_at`
	qListSubmissions = `SELECT ` + submissionCols + ` FROM submissions WHERE withdrawn_at IS NULL
		ORDER BY duty, period, unit`
	qListDutySubmissions = `SELECT ` + submissionCols + ` FROM submissions WHERE withdrawn_at IS NULL
		AND duty = ? ORDER BY period, unit`
	qWithdrawSubmission = `UPDATE submissions SET withdrawn_at = ?, withdrawn_by = ?, withdraw_reason = ?
		WHERE duty = ? AND unit = ? AND period = ? AND withdrawn_at IS NULL RETURNING ` + submissionCols
)

// ledger uploads, from their preview to their import
const (
	qInsertLedgerUpload = `INSERT INTO ledger_uploads (token, name, round, data, uploaded_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`
	qGetLedgerUpload      = `SELECT token, name, round, data, uploaded_by, created_at FROM ledger_uploads WHERE token = ?`
	qDeleteLedgerUpload   = `DELETE FROM ledger_uploads WHERE token = ?`
	qDropOldLedgerUploads = `DELETE FROM ledger_uploads WHERE created_at < ?`
)

// duties seen
const (
	qDutiesSeen = `SELECT duty, first_seen FROM duties_seen`
	qSeeDuty    = `INSERT INTO duties_seen (duty, first_seen) VALUES (?, ?) ON CONFLICT (duty) DO NOTHING`
)

// job runs
const (
	runCols = `id, job, scheduled_for, started_at, finished_at, owner, outcome, reminders, dispatches, error, attempts`
	// A claim inserts the run, or takes over the one that failed or whose
	// process died (still running, started before the third parameter),
	// below the attempts of the fourth; otherwise it returns no row.
	qClaimRun = `INSERT INTO job_runs (job, scheduled_for, started_at, owner, outcome)
		VALUES (?, ?, ?, ?, 'running')
		ON CONFLICT (job, scheduled_for) DO UPDATE SET started_at = excluded.started_at, owner = excluded.owner,
			outcome = 'running', finished_at = NULL, reminders = 0, dispatches = 0, error = '',
			attempts = job_runs.attempts + 1
		WHERE (job_runs.outcome = 'failed' OR (job_runs.outcome = 'running' AND job_runs.started_at < ?))
			AND job_runs.attempts < ?
		RETURNING ` + runCols
	// Only the run's own attempt: a slow one taken over must not record
	// its outcome over the attempt that took it over.
	qFinishRun = `UPDATE job_runs SET finished_at = ?, outcome = ?, reminders = ?, dispatches = ?, error = ?
		WHERE id = ? AND attempts = ?`
	qRunExists = `SELECT COUNT(*) FROM job_runs WHERE id = ?`
	qLastRuns  = `SELECT ` + runCols + ` FROM job_runs r
		WHERE scheduled_for = (SELECT MAX(scheduled_for) FROM job_runs WHERE job = r.job)`
	// Each job's latest successful run, by scheduled time.
	qLastSuccesses = `SELECT ` + runCols + ` FROM job_runs r WHERE outcome = 'ok'
		AND scheduled_for = (SELECT MAX(scheduled_for) FROM job_runs WHERE job = r.job AND outcome = 'ok')`
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
	// The same for PostgreSQL, the rows as parallel arrays in key order:
	// key, rule, subject, stage, recipient, dispatch key; then the job, the
	// run and the time.
	qInsertRemindersPostgres = `INSERT INTO reminders (key, rule, subject, stage, recipient, job, run_id,
		dispatch_key, created_at)
	SELECT k, r, s, st, rc, $7, $8, d, $9
	FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(k, r, s, st, rc, d)
	ON CONFLICT (key) DO NOTHING RETURNING key`
)

// dispatches
const (
	dispatchCols = `id, key, job, run_id, recipient, channel, subject, body_text, body_html, refs, state,
		attempts, next_attempt_at, lease_owner, lease_until, last_error, smtp_reply, message_id,
		created_at, sent_at`

	// Many at once: multiRow adds a tuple per message (key, job, run_id,
	// recipient, channel, subject, body_text, body_html, refs,
	// next_attempt_at, created_at, updated_at).
	qInsertDispatches = `INSERT INTO dispatches (key, job, run_id, recipient, channel, subject, body_text,
		body_html, refs, next_attempt_at, created_at, updated_at) VALUES `
	qInsertDispatchesEnd = ` ON CONFLICT (key) DO NOTHING RETURNING key`
	qGetDispatch         = `SELECT ` + dispatchCols + ` FROM dispatches WHERE id = ?`
	qListDispatches      = `SELECT ` + dispatchCols + ` FROM dispatches` // + WHERE filters + order
	qDispatchesOrder     = ` ORDER BY created_at DESC, id DESC`
	qNextDispatchDue     = `SELECT MIN(next_attempt_at) FROM dispatches WHERE state = 'pending'`
	qCountByState        = `SELECT state, channel, COUNT(*) AS n FROM dispatches GROUP BY state, channel`
	// The oldest message not delivered yet: pending, or being sent.
	qOldestUndelivered = `SELECT MIN(created_at) FROM dispatches WHERE state IN ('pending', 'sending')`
	qDispatchState     = `SELECT state, attempts FROM dispatches WHERE id = ?`

	// A dispatch whose sender's lease ran out (a crashed worker) is pending
	// again, due as it was: the next claim takes it over.
	qReleaseExpired = `UPDATE dispatches SET state = 'pending', lease_owner = '', lease_until = NULL
	WHERE state = 'sending' AND lease_until < ?`
	// A claim leases the pending dispatches that are due, in the order of
	// dispatches_pending; PostgreSQL adds FOR UPDATE SKIP LOCKED to the
	// subquery (queriesFor). Parameters: owner, lease until, now, due by,
	// limit.
	qClaimDispatches = `UPDATE dispatches SET state = 'sending', lease_owner = ?, lease_until = ?,
		attempts = attempts + 1, updated_at = ?
	WHERE id IN (SELECT id FROM dispatches WHERE state = 'pending' AND next_attempt_at <= ?
		ORDER BY next_attempt_at, id LIMIT ?%s)
	RETURNING ` + dispatchCols

	// Only the owner of a live claim may settle it. A pending outcome
	// brings its next attempt time, the others keep theirs; the
	// Message-ID is kept when the worker passes none.
	qSettle = `UPDATE dispatches SET state = ?, next_attempt_at = COALESCE(?, next_attempt_at),
		attempts = attempts - ?, last_error = ?, smtp_reply = ?, message_id = COALESCE(NULLIF(?, ''), message_id),
		sent_at = ?, lease_until = NULL, updated_at = ?
	WHERE id = ? AND state = 'sending' AND lease_owner = ?`

	// The same for many dispatches at once, as parallel arrays: id, state,
	// next attempt, undo, error, reply, Message-ID, sent at; then now and
	// the owner.
	qSettlePostgres = `UPDATE dispatches d SET state = v.state,
		next_attempt_at = COALESCE(v.next, d.next_attempt_at), attempts = d.attempts - v.undo,
		last_error = v.err, smtp_reply = v.reply, message_id = COALESCE(NULLIF(v.message_id, ''), d.message_id),
		sent_at = v.sent, lease_until = NULL, updated_at = $9
	FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::int[], $5::text[], $6::text[], $7::text[],
		$8::timestamptz[]) AS v(id, state, next, undo, err, reply, message_id, sent)
	WHERE d.id = v.id AND d.state = 'sending' AND d.lease_owner = $10
	RETURNING d.id`

	// A retry from the console starts the attempt budget afresh.
	qRetryDispatch = `UPDATE dispatches SET state = 'pending', attempts = 0, next_attempt_at = ?,
		updated_at = ? WHERE id = ? AND state = 'failed'`
	// The failed messages a bulk retry (duban deliver --retry-failed, the
	// console's 全部重新发送) takes up again, one by one.
	qFailedDispatches = `SELECT id, state, attempts FROM dispatches` // + WHERE filters, state failed among them
)

// Dispatch filters, joined with AND into qListDispatches' WHERE clause.
const (
	fDispatchSince   = `created_at >= ?`
	fDispatchUntil   = `created_at < ?`
	fDispatchState   = `state = ?`
	fDispatchTo      = `lower(recipient) = lower(?)`
	fDispatchJob     = `job = ?`
	fDispatchChannel = `channel = ?`
)

// Every dispatch that carried a reminder about a subject (an item's
// "ROUND/NO", a duty's "DUTY/PERIOD"), newest first.
const qDispatchesForSubject = `SELECT ` + dispatchCols + ` FROM dispatches
	WHERE key IN (SELECT dispatch_key FROM reminders WHERE subject = ?)` + qDispatchesOrder

// users
const (
	userCols          = `name, role, password_hash, disabled, password_changed_at, created_at, updated_at`
	qInsertUser       = `INSERT INTO users (` + userCols + `) VALUES (?, ?, ?, FALSE, ?, ?, ?)`
	qGetUser          = `SELECT ` + userCols + ` FROM users WHERE name = ?`
	qListUsers        = `SELECT ` + userCols + ` FROM users ORDER BY name`
	qSetUserDisabled  = `UPDATE users SET disabled = ?, updated_at = ? WHERE name = ?`
	qSetUserPassword  = `UPDATE users SET password_hash = ?, password_changed_at = ?, updated_at = ? WHERE name = ?`
	qCountActiveUsers = `SELECT COUNT(*) FROM users WHERE disabled = FALSE`
)

// login throttle
const (
	// One statement counts the attempt and starts a new window when the
	// address's last one began before the window's length ago (both SET
	// expressions read the old row). Parameters: addr, now, window start,
	// window start.
	qReserveLogin = `INSERT INTO login_throttle (addr, window_start, attempts) VALUES (?, ?, 1)
	ON CONFLICT (addr) DO UPDATE SET
		attempts = CASE WHEN login_throttle.window_start <= ? THEN 1 ELSE login_throttle.attempts + 1 END,
		window_start = CASE WHEN login_throttle.window_start <= ? THEN excluded.window_start ELSE login_throttle.window_start END
	RETURNING attempts`
	qReleaseLogin = `UPDATE login_throttle SET attempts = attempts - 1
		WHERE addr = ? AND window_start > ? AND attempts > 0`
	qDeleteStaleLogins = `DELETE FROM login_throttle WHERE window_start <= ?`
)

// audit log
const (
	qInsertAudit = `INSERT INTO audit_log (at, actor, actor_kind, action, object_type, object_key, before, after, addr)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qListAudit = `SELECT id, at, actor, actor_kind, action, object_type, object_key, before, after, addr
		FROM audit_log` // + WHERE filters + order
	qAuditOrder = ` ORDER BY at DESC, id DESC`
)

// Audit filters, joined with AND into qListAudit's WHERE clause.
const (
	fAuditActor      = `actor = ?`
	fAuditAction     = `action = ?`
	fAuditObjectType = `object_type = ?`
	fAuditObjectKey  = `object_key = ?`
	fAuditSince      = `at >= ?`
	fAuditUntil      = `at < ?`
)

// dialectQueries holds the statements and fragments that differ by dialect.
type dialectQueries struct {
	itemForUpdate   string // qItemByKey, locking the row where the dialect can
	forUpdate       string // the clause that locks the rows a SELECT reads, where the dialect can
	claimDispatches string
	noLimit         string // LIMIT value meaning "all rows", for OFFSET without LIMIT
	itemText        string // the ItemFilter.Text condition
	// the condition of a text with ASCII letters and a run of two or more
	// other characters, the run's pattern first; "" where itemText is as fast
	itemTextNarrowed string
	// The scs stores judge expiry by the database's clock, each in its own way.
	deleteExpiredSessions string
}

func queriesFor(dialect string) dialectQueries {
	if dialect == dialectPostgres {
		return dialectQueries{
			itemForUpdate:         qItemByKey + ` FOR UPDATE`,
			forUpdate:             ` FOR UPDATE`,
			claimDispatches:       fmt.Sprintf(qClaimDispatches, " FOR UPDATE SKIP LOCKED"),
			noLimit:               `ALL`,
			itemText:              fItemTextPostgres,
			itemTextNarrowed:      fItemTextPostgresNarrowed,
			deleteExpiredSessions: `DELETE FROM sessions WHERE expiry < current_timestamp`,
		}
	}
	// SQLite transactions begin IMMEDIATE: the row is already as good as locked.
	return dialectQueries{
		itemForUpdate:         qItemByKey,
		claimDispatches:       fmt.Sprintf(qClaimDispatches, ""),
		noLimit:               `-1`,
		itemText:              fItemTextLike,
		deleteExpiredSessions: `DELETE FROM sessions WHERE expiry < julianday('now')`,
	}
}
