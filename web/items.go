package web

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"duban/ledger"
	"duban/scheduler"
	"duban/store"
)

// itemRow is an item with its light and days to the deadline, as listed.
type itemRow struct {
	Item  ledger.Item
	Light ledger.Light
	Days  string // ledger.DaysText: 还剩3天, 已逾期5天; "" when not open or no deadline
}

func (s *Server) itemRowOf(it ledger.Item, today ledger.Date) itemRow {
	row := itemRow{Item: it, Light: ledger.LightOf(it, today, s.cfg.Policy.YellowDays)}
	if it.Status == ledger.StatusOpen && !it.LongTerm && !it.Deadline.IsZero() {
		row.Days = ledger.DaysText(it.Deadline.DaysSince(today))
	}
	return row
}

type option struct{ Value, Label string }

var statusOptions = []option{
	{string(ledger.StatusOpen), ledger.StatusOpen.Label()},
	{string(ledger.StatusDone), ledger.StatusDone.Label()},
	{string(ledger.StatusClosed), ledger.StatusClosed.Label()},
}

func lightOptions() []option {
	out := make([]option, len(allLights))
	for i, l := range allLights {
		out[i] = option{string(l), l.Label()}
	}
	return out
}

// itemsPerPage is the length of a page of 整改台账.
const itemsPerPage = 50

// maxDueDays bounds the 近N天内到期 filter a URL may ask for.
const maxDueDays = 366

type itemFilterView struct {
	Round, Unit, Leader, Status, Light, Q string
	Due                                   int // 近Due天内到期; 0: any deadline
}

func (fv itemFilterView) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"round": fv.Round, "unit": fv.Unit, "leader": fv.Leader,
		"status": fv.Status, "light": fv.Light, "q": fv.Q} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if fv.Due > 0 {
		q.Set("due", strconv.Itoa(fv.Due))
	}
	return q
}

type itemsView struct {
	Filter   itemFilterView
	DueDays  int // the N of the 近N天内到期 box
	Rounds   []ledger.Round
	Units    []ledger.Unit
	Leaders  []ledger.Leader
	Statuses []option
	Lights   []option
	Rows     []itemRow
	Total    int
	Page     int
	Pages    int
	PrevURL  string
	NextURL  string
}

// itemQuery reads the ledger's filters from the query; unknown values
// filter nothing.
func (s *Server) itemQuery(q url.Values) (store.ItemQuery, itemFilterView) {
	fv := itemFilterView{
		Round: q.Get("round"), Unit: q.Get("unit"), Leader: q.Get("leader"),
		Status: q.Get("status"), Light: q.Get("light"), Q: strings.TrimSpace(q.Get("q")),
	}
	iq := store.ItemQuery{
		ItemFilter: store.ItemFilter{Round: fv.Round, Unit: fv.Unit, Leader: fv.Leader, Text: fv.Q},
		Today:      s.today(), YellowDays: s.cfg.Policy.YellowDays,
	}
	if code, ok := s.cfg.ResolveUnit(fv.Unit); ok {
		fv.Unit, iq.Unit = code, code // a link may name the unit as the office does
	}
	if st, err := ledger.ParseStatus(fv.Status); err == nil {
		iq.Status, fv.Status = st, string(st)
	} else {
		fv.Status = ""
	}
	if light, err := ledger.ParseLight(fv.Light); err == nil {
		iq.Light, fv.Light = light, string(light)
	} else {
		fv.Light = ""
	}
	if n, err := strconv.Atoi(q.Get("due")); err == nil && n > 0 && n <= maxDueDays {
		fv.Due, iq.DueWithin = n, n
	}
	return iq, fv
}

// itemList is 整改台账: the ledger, filtered, a page at a time.
func (s *Server) itemList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	iq, fv := s.itemQuery(q)
	pageNo := pageOf(q)
	iq.Limit, iq.Offset = itemsPerPage, (pageNo-1)*itemsPerPage
	page, err := s.st.ListItemPage(r.Context(), iq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := itemsView{
		Filter: fv, DueDays: cmp.Or(fv.Due, dueSoonDays), Rounds: s.cfg.Rounds, Units: s.cfg.Units, Leaders: s.cfg.Leaders,
		Statuses: statusOptions, Lights: lightOptions(),
		Total: page.Total, Page: pageNo, Pages: (page.Total + itemsPerPage - 1) / itemsPerPage,
	}
	if pageNo > 1 {
		v.PrevURL = pageURL("/items", fv.query(), pageNo-1)
	}
	if pageNo < v.Pages {
		v.NextURL = pageURL("/items", fv.query(), pageNo+1)
	}
	for _, it := range page.Items {
		v.Rows = append(v.Rows, s.itemRowOf(it, iq.Today))
	}
	s.render(w, r, http.StatusOK, "items", "整改台账", v)
}

// itemDispatch is a dispatch that concerned an item, with the tags the
// item's entries had in it.
type itemDispatch struct {
	D    store.Dispatch
	Tags []string
}

type itemView struct {
	itemRow
	RoundName  string
	Completion string // the completion day, or that it is unknown; "" while open
	Events     []eventView
	Dispatches []itemDispatch
	Today      ledger.Date // the latest day the forms take
	Notice     string      // what the write that led here did
	Form       formState   // a refused form of the page
	// CanConfirm: the item is done or closed, and its 回头看 may be confirmed.
	CanConfirm bool
}

// eventView is an entry of the item's timeline as the page shows it.
type eventView struct {
	ledger.Event
	Label         string // ledger.Event.Label
	FieldLabel    string // the changed field's column name; "" when none
	Before, After string // its values, as a person reads them
}

func (s *Server) eventViewOf(e ledger.Event) eventView {
	v := eventView{Event: e, Label: e.Label()}
	text := func(val string) string { return ledger.ValueText(e.Field, val, s.cfg.UnitName, s.cfg.LeaderName) }
	switch {
	case (e.Kind == ledger.EventImported || e.Kind == ledger.EventCreated) && e.New != "":
		v.After = text(e.New)
	case e.Field != "":
		v.FieldLabel, v.Before, v.After = e.Field.Label(), text(e.Old), text(e.New)
	}
	return v
}

// completionText is an item's completion day as the page shows it.
func completionText(it ledger.Item) string {
	switch done, known := it.DoneOn(); {
	case done.IsZero():
		return ""
	case !known:
		return "未登记（登记完成于 " + done.String() + "）"
	default:
		return done.String()
	}
}

// itemPage shows one item: its fields, its timeline and every dispatch
// that concerned it, and, to an admin, the forms that change it.
func (s *Server) itemPage(w http.ResponseWriter, r *http.Request) {
	s.renderItem(w, r, http.StatusOK, formState{})
}

// renderItem shows the item of the request's path with status, and the
// form refused, if any.
func (s *Server) renderItem(w http.ResponseWriter, r *http.Request, status int, form formState) {
	ctx := r.Context()
	it, ok := s.itemOf(w, r)
	if !ok {
		return
	}
	events, err := s.st.ItemEvents(ctx, it.Round, it.No)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	subject := ledger.ItemSubject(it)
	ds, err := s.st.DispatchesForSubject(ctx, subject)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := itemView{itemRow: s.itemRowOf(it, s.today()), RoundName: it.Round, Completion: completionText(it),
		Today: s.today(), Form: form, CanConfirm: it.Status.CanConfirmFollowup()}
	if status == http.StatusOK {
		v.Notice = noticeOf(r.URL.Query())
	}
	for _, e := range events {
		v.Events = append(v.Events, s.eventViewOf(e))
	}
	if rd, ok := s.cfg.Round(it.Round); ok {
		v.RoundName = rd.Name
	}
	for _, d := range ds {
		v.Dispatches = append(v.Dispatches, itemDispatch{D: d, Tags: tagsFor(d.Refs, subject)})
	}
	s.render(w, r, status, "item", it.No+" "+it.Problem, v)
}

// itemOf is the item the request's path names; false (and a 404 page
// written) when there is none.
func (s *Server) itemOf(w http.ResponseWriter, r *http.Request) (ledger.Item, bool) {
	round, no := r.PathValue("round"), r.PathValue("no")
	it, err := s.st.GetItem(r.Context(), round, no)
	if errors.Is(err, store.ErrNotFound) {
		s.errorPage(w, r, http.StatusNotFound, "台账中没有编号为“"+no+"”的问题。")
		return it, false
	}
	if err != nil {
		s.fail(w, r, err)
		return it, false
	}
	return it, true
}

func parseRefs(refs string) ([]scheduler.Ref, bool) {
	var out []scheduler.Ref
	if strings.TrimSpace(refs) == "" {
		return nil, true
	}
	if err := json.Unmarshal([]byte(refs), &out); err != nil {
		return nil, false
	}
	return out, true
}

// tagsFor lists the tags of subject's entries in a dispatch, as the email
// showed them.
func tagsFor(refs, subject string) []string {
	parsed, _ := parseRefs(refs)
	var out []string
	for _, r := range parsed {
		if r.Ref == subject {
			out = append(out, r.Tag())
		}
	}
	return out
}
