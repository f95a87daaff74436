package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"duban/ledger"
)

// OnConflict says what an import does with a row that would undo a change
// made in duban since the item's last import.
type OnConflict int

const (
	// ConflictRefuse writes nothing and lists the conflicts.
	ConflictRefuse OnConflict = iota
	// ConflictOverwrite lets the file win.
	ConflictOverwrite
	// ConflictKeep keeps duban's values and applies the rest of the row.
	ConflictKeep
)

// ImportOptions say who imports (By: an office user or the CLI's actor,
// required; its name is the actor of the import's events), from which
// file (Source, recorded on every event of the import; "import" when
// empty, so that an import's events never pass for changes made in duban;
// the audit log records each item's change as the file's, of kind
// ActorImport, and the import as a whole as By's), when (At is required: it
// stamps the rows, and its day in the store's zone is the day of the
// import's events and the day duban sees items done), which fields the
// file carries (Fields; nil means all of ledger.ItemFields: a field whose
// column the file lacks is left as it is), what to do with conflicts, and
// whether to write at all.
type ImportOptions struct {
	By         Actor
	Source     string
	At         time.Time
	Fields     []ledger.Field
	OnConflict OnConflict
	DryRun     bool
}

// ImportResult says what an import did (or, dry, would do): the counts of
// rows, the new items, every change of a field, and the conflicts.
type ImportResult struct {
	New, Changed, Unchanged int
	Added                   []ItemRef
	Changes                 []ItemChange
	// Conflicts are the fields a row would have undone: with
	// ConflictRefuse nothing was written; with ConflictKeep duban's value
	// was kept; with ConflictOverwrite the file's was written.
	Conflicts []Conflict
}

// ItemRef names an item.
type ItemRef struct{ Round, No string }

// ItemChange is one field of one item an import changes.
type ItemChange struct {
	ItemRef
	ledger.Change
}

// Conflict is a field of an item that a row sets to File while duban
// holds Duban, changed in duban since the item's last import by Actor at At.
type Conflict struct {
	ItemRef
	Field       ledger.Field
	File, Duban string // values as ledger.Item.Value gives them
	At          time.Time
	Actor       string
}

// ImportItems reconciles the ledger with the items of a file, by (round,
// no), in one transaction: all or nothing. Missing rounds are created,
// named by their code. A new item is inserted with an "imported" event; an
// existing one gets the file's value of each field the file carries, each
// change recorded as an event (status or edited) with its value before and
// after. A guarded field (ledger.Field.Guarded) whose value the row would
// change, and which was changed in duban since the item's last import, is
// a conflict, settled by o.OnConflict; with ConflictRefuse any conflict
// writes nothing and the error wraps ErrConflict. Each new or changed item
// has its entry in the audit log, and the import one of its own. A dry
// run works out the same and writes nothing.
func (s *Store) ImportItems(ctx context.Context, batch []ledger.Item, o ImportOptions) (ImportResult, error) {
	if o.At.IsZero() {
		return ImportResult{}, errors.New("store: import items: ImportOptions.At is required")
	}
	if o.Fields == nil {
		o.Fields = ledger.ItemFields()
	}
	o.Source = cmp.Or(o.Source, "import")
	o.At = s.inZone(o.At) // the days below are the office's days
	var res ImportResult
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		im := &importer{s: s, tx: tx, o: o, res: &res}
		if err := im.all(ctx, batch); err != nil {
			return err
		}
		if len(res.Conflicts) > 0 && o.OnConflict == ConflictRefuse {
			return fmt.Errorf("%d fields changed in duban since the last import: %w", len(res.Conflicts), ErrConflict)
		}
		if err := im.markImported(ctx); err != nil {
			return err
		}
		if err := audit(ctx, tx, o.By, o.At, ActionLedgerImport, ObjectLedger, o.Source, nil, importSummary(res, o.OnConflict)); err != nil {
			return err
		}
		if o.DryRun {
			return errRollback
		}
		return nil
	})
	if err != nil && !errors.Is(err, errRollback) {
		return res, fmt.Errorf("store: import items: %w", err)
	}
	return res, nil
}

// importer is one import under way.
type importer struct {
	s        *Store
	tx       dbtx
	o        ImportOptions
	res      *ImportResult
	imported []int64 // the existing items the import carried, to stamp imported_at
}

// file is the actor of an import's entries about items: its file, from
// where the importer sent it.
func (im *importer) file() Actor {
	return Actor{Name: im.o.Source, Kind: ActorImport, Addr: im.o.By.Addr}
}

// importSummary is the audit log's record of an import as a whole.
func importSummary(res ImportResult, how OnConflict) any {
	return struct {
		New        int    `json:"new"`
		Changed    int    `json:"changed"`
		Unchanged  int    `json:"unchanged"`
		Conflicts  int    `json:"conflicts"`
		OnConflict string `json:"on_conflict"`
	}{res.New, res.Changed, res.Unchanged, len(res.Conflicts), how.String()}
}

// String names the choice as the audit log records it.
func (c OnConflict) String() string {
	switch c {
	case ConflictOverwrite:
		return "overwrite"
	case ConflictKeep:
		return "keep"
	}
	return "refuse"
}

func (im *importer) all(ctx context.Context, batch []ledger.Item) error {
	seen := make(map[ItemRef]bool, len(batch))
	rounds := make(map[string]bool)
	for _, it := range batch {
		it, err := normaliseImported(it)
		if err != nil {
			return err
		}
		ref := ItemRef{it.Round, it.No}
		if seen[ref] {
			return fmt.Errorf("item %s %s appears twice: %w", it.Round, it.No, ErrConflict)
		}
		seen[ref] = true
		if !rounds[it.Round] {
			if _, err := exec(ctx, im.tx, qInsertRoundIfMissing, it.Round, it.Round); err != nil {
				return fmt.Errorf("round %s: %w", it.Round, err)
			}
			rounds[it.Round] = true
		}
		if err := im.item(ctx, it); err != nil {
			return fmt.Errorf("item %s %s: %w", it.Round, it.No, err)
		}
	}
	return nil
}

// normaliseImported checks the key and status and drops repeated units.
func normaliseImported(it ledger.Item) (ledger.Item, error) {
	if it.Round == "" || it.No == "" {
		return it, fmt.Errorf("item %q %q: round and number are required", it.Round, it.No)
	}
	if it.Status == "" {
		it.Status = ledger.StatusOpen
	}
	if !it.Status.Valid() {
		return it, fmt.Errorf("item %s %s: invalid status %q", it.Round, it.No, it.Status)
	}
	units := make([]string, 0, len(it.Units))
	for _, u := range it.Units {
		if u != "" && !slices.Contains(units, u) {
			units = append(units, u)
		}
	}
	it.Units = units
	return it, nil
}

// item reconciles one row with the database.
func (im *importer) item(ctx context.Context, row ledger.Item) error {
	cur, err := getItemRow(ctx, im.tx, im.s.q.itemForUpdate, row.Round, row.No)
	if errors.Is(err, ErrNotFound) {
		im.res.New++
		im.res.Added = append(im.res.Added, ItemRef{row.Round, row.No})
		return im.insert(ctx, row)
	}
	if err != nil {
		return err
	}
	old := cur.item()
	it := old.With(row, im.o.Fields)
	it.Seq = row.Seq
	kept, err := im.settleConflicts(ctx, cur, &it)
	if err != nil {
		return err
	}
	followup := settle(&it, cur, ledger.DateOf(im.o.At))
	if !kept {
		// An item whose row yielded to a value of duban's stays as last
		// imported, so that the next import of that row meets it again.
		im.imported = append(im.imported, cur.ID)
	}
	changes := ledger.Changes(old, it, ledger.ItemFields())
	ref := ItemRef{row.Round, row.No}
	for _, c := range changes {
		im.res.Changes = append(im.res.Changes, ItemChange{ItemRef: ref, Change: c})
	}
	if len(changes) == 0 {
		im.res.Unchanged++
		if it.Seq == old.Seq {
			return nil
		}
	} else {
		im.res.Changed++
	}
	if err := writeChanges(ctx, im.tx, cur, it, followup, changes, ledger.Event{
		At: im.o.At, On: ledger.DateOf(im.o.At), Actor: im.o.By.Name, Source: im.o.Source,
	}); err != nil || len(changes) == 0 {
		return err
	}
	before, after := auditSides(changes, "")
	return audit(ctx, im.tx, im.file(), im.o.At, ActionItemEdit, ObjectItem, ledger.ItemSubject(old), before, after)
}

// settleConflicts finds the guarded fields the row would change although
// duban changed them since the item's last import and records them. Unless
// the file is to win, it puts duban's values back into it (with
// ConflictRefuse nothing is written anyway, and the changes listed are
// those that do not conflict); kept tells whether it did.
func (im *importer) settleConflicts(ctx context.Context, cur itemRow, it *ledger.Item) (kept bool, err error) {
	old := cur.item()
	var guarded []ledger.Field
	for _, c := range ledger.Changes(old, *it, ledger.ItemFields()) {
		if c.Field.Guarded() {
			guarded = append(guarded, c.Field)
		}
	}
	if len(guarded) == 0 {
		return false, nil
	}
	since, err := changesInDuban(ctx, im.tx, cur)
	if err != nil {
		return false, err
	}
	for _, f := range guarded {
		e, changed := since[f]
		if !changed {
			continue
		}
		im.res.Conflicts = append(im.res.Conflicts, Conflict{
			ItemRef: ItemRef{cur.Round, cur.No}, Field: f,
			File: it.Value(f), Duban: old.Value(f), At: e.At, Actor: e.Actor,
		})
		if im.o.OnConflict != ConflictOverwrite {
			*it = it.With(old, []ledger.Field{f})
			kept = true
		}
	}
	return kept, nil
}

// changesInDuban returns, by field, the latest change made in duban (not
// by an import) since the item's last import. A status change changes the
// completion day with it.
func changesInDuban(ctx context.Context, q dbtx, cur itemRow) (map[ledger.Field]ledger.Event, error) {
	out := map[ledger.Field]ledger.Event{}
	if cur.ImportedAt.IsZero() {
		return out, nil
	}
	var rows []eventRow
	if err := sel(ctx, q, &rows, qChangesInDubanSince, cur.ID, ts(cur.ImportedAt.Time)); err != nil {
		return nil, fmt.Errorf("changes since import: %w", err)
	}
	for _, r := range rows { // oldest first: the latest wins
		e := r.event()
		out[e.Field] = e
		if e.Field == ledger.FieldStatus {
			out[ledger.FieldCompletedOn] = e
		}
	}
	return out, nil
}

// insert adds a new item. A done one is seen done on the import day; its
// completion day is the file's, or unknown.
func (im *importer) insert(ctx context.Context, it ledger.Item) error {
	if it.Status == ledger.StatusOpen {
		it.CompletedOn = ledger.Date{}
	} else {
		it.DoneSeenOn = ledger.DateOf(im.o.At)
	}
	id, err := insertItem(ctx, im.tx, it, im.o.At, im.o.At)
	if err != nil {
		return err
	}
	if err := insertEvent(ctx, im.tx, id, ledger.Event{
		Kind: ledger.EventImported, At: im.o.At, On: ledger.DateOf(im.o.At),
		Field: ledger.FieldStatus, New: string(it.Status), Actor: im.o.By.Name, Source: im.o.Source,
	}); err != nil {
		return err
	}
	return audit(ctx, im.tx, im.file(), im.o.At, ActionItemCreate, ObjectItem, ledger.ItemSubject(it), nil, fieldValues(it))
}

// markChunk is how many item ids one UPDATE of markImported names: below
// both dialects' parameter limits.
const markChunk = 5000

// markImported stamps the existing items the import carried with its time.
func (im *importer) markImported(ctx context.Context) error {
	for _, chunk := range chunks(im.imported, markChunk) {
		query, args, err := in(im.tx, qMarkImported, ts(im.o.At), chunk)
		if err != nil {
			return err
		}
		if _, err := im.tx.ExecContext(ctx, query, args...); err != nil {
			return fmt.Errorf("mark imported: %w", err)
		}
	}
	return nil
}
