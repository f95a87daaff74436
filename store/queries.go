package store

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
	qStatusItemsFirst = `SELECT ` + itemCols + ` FROM items WHERE status = ?
		ORDER BY round, seq, id LIMIT ?`
	qStatusItemsAfter = `SELECT ` + itemCols + ` FROM items WHERE status = ?
		AND (round, seq, id) > (?, ?, ?) ORDER BY round, seq, id LIMIT ?`

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

// Deadline check days (checks.go). The open items to check are listed by
// id first (those without a check day still to come), then read a page at
// a time; no reminder shows an item's category or progress, so they are
// not read.
const (
	// Ordered by id, as the check days are written: two runs at once lock
	// the same rows in the same order.
	qOpenItemIDs = `SELECT id FROM items WHERE status = 'open' ORDER BY id`
	// A check day holds while the item is as it was when the day was worked
	// out (seen = updated_at): a change during the run that worked it out,
	// whatever the order of the two transactions, makes the item due.
	qOpenItemIDsToCheck = `SELECT i.id FROM items i WHERE i.status = 'open' AND NOT EXISTS
		(SELECT 1 FROM deadline_checks c WHERE c.item_id = i.id AND c.check_on > ? AND c.seen = i.updated_at)
		ORDER BY i.id`
	// With their units, in one round trip: one row per unit, in ledger order.
	qOpenItemsByID = `SELECT i.id, i.round, i.no, i.seq, i.problem, i.measures, i.leader, i.deadline,
		i.long_term, i.status, i.completed_on, i.updated_at, u.unit
		FROM items i LEFT JOIN item_units u ON u.item_id = i.id
		WHERE i.id IN (?) AND i.status = 'open' ORDER BY i.id, u.position`
	qOpenItemsByIDPostgres = `SELECT i.id, i.round, i.no, i.seq, i.problem, i.measures, i.leader, i.deadline,
		i.long_term, i.status, i.completed_on, i.updated_at, u.unit
		FROM items i LEFT JOIN item_units u ON u.item_id = i.id
		WHERE i.id = ANY($1::bigint[]) AND i.status = 'open' ORDER BY i.id, u.position`

	// A changed item (its deadline, units, leader or status) loses its
	// check day: the next deadline run looks at it again (as it would by
	// its updated_at; this holds even for a change stamped with the same
	// instant).
	qForgetCheck = `DELETE FROM deadline_checks WHERE item_id = ?`
	// Many at once on SQLite: qWriteChecksSQLite, then qCheckValuesSQLite
	// once per item (comma-separated; item id, check day, seen), then
	// qWriteChecksSQLiteEnd. An item deleted meanwhile is left out by the
	// join. (WHERE true: an upsert's SELECT with a join needs a WHERE
	// clause for SQLite to parse ON CONFLICT.)
	qWriteChecksSQLite = `INSERT INTO deadline_checks (item_id, check_on, seen)
		SELECT i.id, v.column2, v.column3 FROM (VALUES `
	qCheckValuesSQLite    = `(?, ?, ?)`
	qWriteChecksSQLiteEnd = `) AS v JOIN items i ON i.id = v.column1 WHERE true
		ON CONFLICT (item_id) DO UPDATE SET check_on = excluded.check_on, seen = excluded.seen`
	qWriteChecksPostgres = `INSERT INTO deadline_checks (item_id, check_on, seen)
		SELECT m.id, m.next, m.seen
		FROM unnest($1::bigint[], $2::timestamptz[], $3::date[]) AS m(id, seen, next) JOIN items i ON i.id = m.id
		ON CONFLICT (item_id) DO UPDATE SET check_on = excluded.check_on, seen = excluded.seen`

	qCheckMark       = `SELECT fingerprint, as_of FROM check_marks WHERE job = ?`
	qUpsertCheckMark = `INSERT INTO check_marks (job, fingerprint, as_of) VALUES (?, ?, ?)
		ON CONFLICT (job) DO UPDATE SET fingerprint = excluded.fingerprint, as_of = excluded.as_of`
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
	qKnownReminders         = `SELECT key FROM reminders WHERE key IN (?)`
	qKnownRemindersPostgres = `SELECT key FROM reminders WHERE key = ANY($1::text[])`
	// Many at once on SQLite: qInsertRemindersSQLite, then
	// qReminderValuesSQLite once per reminder (comma-separated), then
	// qInsertRemindersSQLiteEnd.
	qInsertRemindersSQLite = `INSERT INTO reminders (key, rule, subject, stage, recipient, dispatch_id, job, run_id, created_at)
		VALUES `
	qReminderValuesSQLite     = `(?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qInsertRemindersSQLiteEnd = ` ON CONFLICT (key) DO NOTHING`
	qLastReminderID           = `SELECT COALESCE(MAX(id), 0) FROM reminders`
	qRemindersAfterSQLite     = `SELECT key FROM reminders WHERE id > ?`
	// A message queued under a key that existed takes the reminders that
	// were inserted linked to the id reserved for it, found by their keys
	// (no index on dispatch_id: see migration 00012).
	qRelinkReminders         = `UPDATE reminders SET dispatch_id = ? WHERE key IN (?)`
	qRelinkRemindersPostgres = `UPDATE reminders SET dispatch_id = $1 WHERE key = ANY($2::text[])`
	// Many at once, in PostgreSQL's own placeholders: key, rule, subject,
	// stage and recipient as parallel arrays.
	// Inserted already linked to their message (its id reserved with
	// qReserveDispatchIDsPostgres).
	qInsertRemindersPostgres = `INSERT INTO reminders (key, rule, subject, stage, recipient, dispatch_id, job, run_id, created_at)
		SELECT v.key, v.rule, v.subject, v.stage, v.recipient, v.dispatch_id, $7::text, $8::bigint, $9::timestamptz
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
			AS v(key, rule, subject, stage, recipient, dispatch_id)
		ON CONFLICT (key) DO NOTHING RETURNING key`
)

// dispatches
const (
	dispatchCols = `id, key, job, run_id, recipient, subject, body_text, body_html, body, refs, state,
		attempts, next_attempt_at, lease_owner, lease_until, last_error, smtp_reply, message_id,
		created_at, sent_at`
	// claimCols are what a claim returns: dispatchCols but refs, which a
	// send does not need and which can run to MiBs (a supervisor's first
	// digest names tens of thousands of reminders), from the message (m)
	// and its state (s). scanClaimed reads them in this order.
	claimCols = `m.id, m.key, m.job, m.run_id, m.recipient, m.subject, m.body_text, m.body_html, m.body,
		s.state, s.attempts, s.next_attempt_at, s.lease_owner, s.lease_until, s.last_error, s.smtp_reply,
		s.message_id, m.created_at, s.sent_at`

	// SQLite: the writer holds the database's write lock for the whole
	// transaction (BEGIN IMMEDIATE), so the ids after the largest are free.
	qLastDispatchID             = `SELECT COALESCE(MAX(id), 0) FROM dispatch_messages`
	qDispatchIDByKey            = `SELECT id FROM dispatch_messages WHERE key = ?`
	qReserveDispatchIDsPostgres = `SELECT nextval(pg_get_serial_sequence('dispatch_messages', 'id'))
		FROM generate_series(1, $1::int)`
	// Many at once, under reserved ids, on both dialects: the VALUES rows
	// are added by insertDispatches ($1 job, $2 run, $3 now, then six per
	// message), and the states of the messages that went in by
	// insertDispatchStates (multiRowQuery: id, now, now per message).
	qInsertDispatches = `INSERT INTO dispatch_messages (id, key, job, run_id, recipient, subject, body,
		refs, created_at) VALUES `
	qInsertDispatchesEnd  = ` ON CONFLICT (key) DO NOTHING RETURNING id`
	qInsertDispatchStates = `INSERT INTO dispatch_states (id, next_attempt_at, updated_at) VALUES `
	qDispatchStateValues  = `(?, ?, ?)`
	qGetDispatch          = `SELECT ` + dispatchCols + ` FROM dispatches WHERE id = ?`
	qListDispatches       = `SELECT ` + dispatchCols + ` FROM dispatches` // + WHERE filters + order
	qDispatchesOrder      = ` ORDER BY created_at DESC, id DESC`
	qNextDispatchDue      = `SELECT MIN(next_attempt_at) FROM dispatch_states WHERE state = 'pending'`
	qCountByState         = `SELECT state, COUNT(*) AS n FROM dispatch_states GROUP BY state`
	qDispatchLease        = `SELECT state, lease_owner FROM dispatch_states WHERE id = ?`
	qDispatchState        = `SELECT state FROM dispatch_states WHERE id = ?`

	// Mark*: only the owner of a live claim may settle it. The Message-ID is
	// kept when the caller passes none.
	qMarkSent = `UPDATE dispatch_states SET state = 'sent', sent_at = ?, updated_at = ?,
		message_id = COALESCE(NULLIF(?, ''), message_id), smtp_reply = ?, lease_until = NULL
		WHERE id = ? AND state = 'sending' AND lease_owner = ?`
	qMarkRetry = `UPDATE dispatch_states SET state = 'pending', next_attempt_at = ?, last_error = ?,
		message_id = COALESCE(NULLIF(?, ''), message_id), smtp_reply = ?, lease_until = NULL
		WHERE id = ? AND state = 'sending' AND lease_owner = ?`
	qMarkFailed = `UPDATE dispatch_states SET state = 'failed', updated_at = ?, last_error = ?,
		message_id = COALESCE(NULLIF(?, ''), message_id), smtp_reply = ?, lease_until = NULL
		WHERE id = ? AND state = 'sending' AND lease_owner = ?`
	// A retry from the console starts the attempt budget afresh.
	qRetryDispatch = `UPDATE dispatch_states SET state = 'pending', attempts = 0, next_attempt_at = ?,
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
	WHERE id IN (SELECT dispatch_id FROM reminders WHERE subject = ? AND dispatch_id IS NOT NULL)` +
	qDispatchesOrder

// leases
const (
	// The upsert takes the lease when it is free, expired or already ours;
	// RETURNING yields a row only when it did.
	qAcquireLease = `INSERT INTO leases (name, owner, until) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until
		WHERE leases.owner = excluded.owner OR leases.until < ?
		RETURNING owner`
	qReleaseLease = `DELETE FROM leases WHERE name = ? AND owner = ?`
)

// Claiming due dispatches differs: PostgreSQL locks the chosen rows with
// FOR UPDATE SKIP LOCKED so that concurrent workers pass each other by; in
// SQLite the single statement runs under the database's write lock, so the
// conditional UPDATE alone is exclusive. Both use named parameters; :due_by
// is now, or the far future when backoff is ignored.
//
// A claim changes the dispatch's state, not its message (migration 00011):
// only the narrow dispatch_states row is rewritten. The two kinds of
// claimable rows are looked up separately, each in an index of its own:
// pending and due ones in the order of dispatch_states_pending
// (next_attempt_at, id) WHERE state = 'pending', so that a claim reads the
// first rows of the index; sending ones whose lease expired in
// dispatch_states_leased (lease_until) WHERE lease_until IS NOT NULL (which
// lease_until < :now implies), so that the leases still running are not
// even looked at. One OR over both would scan and sort every row of the
// table, sent ones included, on every claim. The worker runs the claim as
// a prepared statement (PreparedDelivery): it is parsed and planned
// once per delivery pass and costs lib/pq one round trip instead of two.
//
// PostgreSQL returns the claimed messages with their states in the same
// statement. SQLite's RETURNING sees only the updated table: its claim
// returns the ids, and qClaimedSQLite reads the messages of those ids
// (a JSON array) in the same transaction.
const (
	qClaimDispatchesPostgres = `WITH pending AS MATERIALIZED (
		SELECT id AS due_id, next_attempt_at AS due_at FROM dispatch_states
		WHERE state = 'pending' AND next_attempt_at <= :due_by
		ORDER BY next_attempt_at, id
		LIMIT :limit
		FOR UPDATE SKIP LOCKED),
	expired AS MATERIALIZED (
		SELECT id AS due_id, next_attempt_at AS due_at FROM dispatch_states
		WHERE state = 'sending' AND lease_until < :now
		ORDER BY next_attempt_at, id
		LIMIT :limit
		FOR UPDATE SKIP LOCKED),
	due AS (
		SELECT due_id FROM (SELECT * FROM pending UNION ALL SELECT * FROM expired) d
		ORDER BY due_at, due_id
		LIMIT :limit)
	UPDATE dispatch_states s SET state = 'sending', lease_owner = :owner, lease_until = :until,
		attempts = s.attempts + 1, updated_at = :now
	FROM due JOIN dispatch_messages m ON m.id = due.due_id
	WHERE s.id = due.due_id
	RETURNING ` + claimCols

	qClaimDispatchesSQLite = `UPDATE dispatch_states SET state = 'sending', lease_owner = :owner,
		lease_until = :until, attempts = attempts + 1, updated_at = :now
	WHERE id IN (
		SELECT id FROM (
			SELECT * FROM (SELECT id, next_attempt_at FROM dispatch_states
				WHERE state = 'pending' AND next_attempt_at <= :due_by
				ORDER BY next_attempt_at, id LIMIT :limit)
			UNION ALL
			SELECT * FROM (SELECT id, next_attempt_at FROM dispatch_states
				WHERE state = 'sending' AND lease_until < :now
				ORDER BY next_attempt_at, id LIMIT :limit))
		ORDER BY next_attempt_at, id
		LIMIT :limit)
	RETURNING id`
	qClaimedSQLite = `SELECT ` + claimCols + ` FROM dispatch_messages m JOIN dispatch_states s ON s.id = m.id
	WHERE m.id IN (SELECT value FROM json_each(?))`

	// A delivery pass runs its PostgreSQL statements with generic plans
	// (PreparedDelivery), on connections it resets when it gives them back.
	qGenericPlans = `SET plan_cache_mode = force_generic_plan`
	qDefaultPlans = `RESET plan_cache_mode`

	// Settling many sent dispatches at once: the rows still sending under
	// the owner's lease are settled, and their ids returned.
	qMarkSentManyPostgres = `UPDATE dispatch_states SET state = 'sent', sent_at = :now, updated_at = :now,
		message_id = COALESCE(NULLIF(v.message_id, ''), dispatch_states.message_id), smtp_reply = v.reply,
		lease_until = NULL
	FROM unnest(CAST(:ids AS bigint[]), CAST(:message_ids AS text[]), CAST(:replies AS text[]))
		AS v(id, message_id, reply)
	WHERE dispatch_states.id = v.id AND dispatch_states.state = 'sending' AND dispatch_states.lease_owner = :owner
	RETURNING dispatch_states.id`
)

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
			claimDispatches: qClaimDispatchesPostgres,
			noLimit:         `ALL`,
			itemText:        fItemTextPostgres,
		}
	}
	// SQLite transactions begin IMMEDIATE: the row is already as good as locked.
	return dialectQueries{
		itemForUpdate:   qItemByKey,
		claimDispatches: qClaimDispatchesSQLite,
		noLimit:         `-1`,
		itemText:        fItemTextSQLite,
	}
}
