package web

import (
	"bytes"
	"encoding/csv"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"duban/ledger"
	"duban/sheet"
	"duban/store"
	"duban/store/storetest"
)

// admin is the fixtures' bootstrap account as the audit log records its
// writes from the test's browser.
var admin = store.Actor{Name: store.BootstrapUser, Kind: store.ActorUser, Addr: "127.0.0.1"}

// office is an admin's browser with the session's CSRF token at hand.
type office struct {
	*browser
	csrf string
}

func officeFor(t *testing.T, f *fixture) *office {
	t.Helper()
	b := consoleFor(t, f)
	b.mustLogin()
	return &office{browser: b, csrf: hidden(t, b.get("/").body, "csrf")}
}

// submit posts form with the session's token.
func (o *office) submit(path string, form url.Values) response {
	o.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", o.csrf)
	return o.post(path, form)
}

// upload posts a multipart form with fields and, unless name is "", the
// file name holding data.
func (b *browser) upload(path string, fields url.Values, name string, data []byte) response {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if name != "" {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			b.t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, b.base+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// want fails the test unless res has status and its body each of texts.
func want(t *testing.T, what string, res response, status int, texts ...string) {
	t.Helper()
	if res.status != status {
		t.Errorf("%s: status %d, want %d\n%s", what, res.status, status, res.body)
		return
	}
	for _, text := range texts {
		if !strings.Contains(res.body, text) {
			t.Errorf("%s: the page lacks %q", what, text)
		}
	}
}

// wantRedirect fails the test unless res redirects to location.
func wantRedirect(t *testing.T, what string, res response, location string) {
	t.Helper()
	if res.status != http.StatusSeeOther || res.header.Get("Location") != location {
		t.Errorf("%s: %d to %q, want 303 to %q\n%s", what, res.status, res.header.Get("Location"), location, res.body)
	}
}

// actionsOf lists the actions of the audit entries of an object, newest
// first, each checked to be the admin's from the test's browser.
func actionsOf(t *testing.T, st *store.Store, objectType, key string) []string {
	t.Helper()
	entries, err := st.ListAudit(t.Context(), store.AuditFilter{ObjectType: objectType, ObjectKey: key})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.Actor != admin {
			t.Errorf("entry %s of %s %s by %+v, want the admin at 127.0.0.1", e.Action, objectType, key, e.Actor)
		}
		out = append(out, e.Action)
	}
	return out
}

// The office creates an item with every field of the ledger, edits it
// (an extension needs its reason), notes its progress, marks it done,
// confirms its 回头看, closes and reopens it, each by the CLI's rules,
// each change in the timeline and the audit log.
func TestOfficeWorksItems(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		f := newFixture(t, st, "DUBAN_ADMIN_PASSWORD="+testPassword)
		o := officeFor(t, f)
		newForm := o.get("/items/new")
		want(t, "the new item form", newForm, http.StatusOK, `id="item-form"`, `name="lead"`, `name="units"`, `id="item-save"`)
		// 问题子类 stands between 问题类别 and 问题, as in the ledger's columns.
		if c, sc, p := strings.Index(newForm.body, `id="f-category"`), strings.Index(newForm.body, `id="f-subcategory"`),
			strings.Index(newForm.body, `id="f-problem"`); c < 0 || sc < c || p < sc {
			t.Errorf("the form's 问题类别, 问题子类 and 问题 at %d, %d, %d", c, sc, p)
		}

		item := url.Values{"round": {"2024-7"}, "no": {"五.（1）"}, "category": {"制度建设"}, "subcategory": {"关于制度执行问题"},
			"problem": {"=1+2 制度执行不到位"}, "measures": {"完善制度\r\n逐条落实"}, "leader": {"wang"}, "lead": {"bgs"}, "units": {"cwb", "bgs"},
			"deadline": {"2026-12-31"}, "status": {"open"}, "progress": {"已部署"}}
		with := func(key, value string) url.Values {
			v := url.Values{}
			for k, vs := range item {
				v[k] = slices.Clone(vs)
			}
			v.Set(key, value)
			return v
		}
		want(t, "an item without its problem", o.submit("/items/new", with("problem", "")), http.StatusBadRequest, "请填写问题", "逐条落实")
		want(t, "an item without a deadline", o.submit("/items/new", with("deadline", "")), http.StatusBadRequest, "请填写完成时限")
		want(t, "an item of no unit", o.submit("/items/new", with("lead", "")), http.StatusBadRequest, "请选择牵头的责任部门")
		done := with("status", "done")
		done.Set("completed_on", "2026-11-26")
		want(t, "an item done tomorrow", o.submit("/items/new", done), http.StatusBadRequest, "晚于今天")
		want(t, "an open item with a completion day", o.submit("/items/new", with("completed_on", "2026-11-20")), http.StatusBadRequest, "正在整改的问题没有完成日期")
		want(t, "an item numbered as another", o.submit("/items/new", with("no", "四.2")), http.StatusConflict, "该轮次中已有编号为“四.2”的问题")

		page := itemURL("2024-7", "五.(1)")
		wantRedirect(t, "create", o.submit("/items/new", item), page+"?notice=created")
		it, err := st.GetItem(ctx, "2024-7", "五.(1)")
		if err != nil {
			t.Fatal(err)
		}
		if it.Problem != "=1+2 制度执行不到位" || it.SubCategory != "关于制度执行问题" || it.Measures != "完善制度\n逐条落实" || !slices.Equal(it.Units, []string{"bgs", "cwb"}) ||
			it.Leader != "wang" || it.Deadline != ledger.NewDate(2026, 12, 31) || it.Status != ledger.StatusOpen || it.Progress != "已部署" || it.Seq != 26 {
			t.Errorf("created item %+v", it)
		}
		want(t, "the new item", o.get(page+"?notice=created"), http.StatusOK, "已新建问题", "=1&#43;2 制度执行不到位", "新建", "办公室、财务资产部",
			`id="note-form"`, `id="done-form"`, `id="edit-item"`)

		edit := url.Values{"category": {"制度建设"}, "subcategory": {"关于制度执行不到位问题"}, "problem": {"=1+2 制度执行不到位"}, "measures": {"完善制度\n逐条落实"},
			"leader": {"li"}, "lead": {"bgs"}, "units": {"cwb"}, "deadline": {"2027-01-31"}, "progress": {"已部署"}}
		want(t, "the edit form", o.get(page+"/edit"), http.StatusOK, `value="2026-12-31"`, `value="关于制度执行问题"`, `id="f-reason"`)
		want(t, "an extension without a reason", o.submit(page+"/edit", edit), http.StatusBadRequest, "请填写延期理由")
		edit.Set("reason", "等待上级文件")
		wantRedirect(t, "edit", o.submit(page+"/edit", edit), page+"?notice=edited")
		want(t, "the edited item", o.get(page), http.StatusOK, "延期", `完成时限：<span class="before">2026-12-31</span> → <span class="after">2027-01-31</span>`,
			`责任领导：<span class="before">王某某</span>`, `问题子类：<span class="before">关于制度执行问题</span> → <span class="after">关于制度执行不到位问题</span>`,
			"等待上级文件")
		wantRedirect(t, "the same edit again", o.submit(page+"/edit", edit), page+"?notice=unchanged")

		want(t, "an empty note", o.submit(page+"/progress", url.Values{"note": {" "}}), http.StatusBadRequest, "请填写整改进展")
		want(t, "a note of tomorrow", o.submit(page+"/progress", url.Values{"note": {"召开推进会"}, "on": {"2026-11-26"}}),
			http.StatusBadRequest, "进展日期2026年11月26日晚于今天（2026年11月25日）", ">召开推进会</textarea>")
		wantRedirect(t, "note", o.submit(page+"/progress", url.Values{"note": {"召开推进会"}, "on": {"2026-11-24"}}), page+"?notice=note")
		want(t, "a 回头看 of an open item", o.submit(page+"/confirm", nil), http.StatusConflict, "回头看只能在问题完成后确认")
		want(t, "done tomorrow", o.submit(page+"/status", url.Values{"to": {"done"}, "on": {"2026-11-26"}}), http.StatusBadRequest, "晚于今天")
		wantRedirect(t, "done", o.submit(page+"/status", url.Values{"to": {"done"}, "on": {"2026-11-20"}, "note": {"制度已印发"}}), page+"?notice=done")
		if it, _ := st.GetItem(ctx, "2024-7", "五.(1)"); it.Status != ledger.StatusDone || it.CompletedOn != ledger.NewDate(2026, 11, 20) {
			t.Errorf("after done: %s on %s", it.Status, it.CompletedOn)
		}
		want(t, "done twice", o.submit(page+"/status", url.Values{"to": {"done"}}), http.StatusConflict, "该问题已是“已完成”状态")
		wantRedirect(t, "confirm", o.submit(page+"/confirm", url.Values{"on": {"2026-11-25"}}), page+"?notice=confirmed")
		want(t, "confirm twice", o.submit(page+"/confirm", nil), http.StatusConflict, "回头看已于2026年11月25日确认", "由 admin 记录")
		wantRedirect(t, "close", o.submit(page+"/status", url.Values{"to": {"closed"}}), page+"?notice=closed")
		want(t, "the closed item", o.get(page), http.StatusOK, `id="reopen-form"`, `id="confirm-form"`)
		wantRedirect(t, "reopen", o.submit(page+"/status", url.Values{"to": {"open"}, "note": {"问题反弹"}}), page+"?notice=reopened")
		if it, _ := st.GetItem(ctx, "2024-7", "五.(1)"); it.Status != ledger.StatusOpen || !it.CompletedOn.IsZero() {
			t.Errorf("after reopen: %s, completed on %s", it.Status, it.CompletedOn)
		}
		want(t, "an unknown item", o.submit(itemURL("2024-7", "九.9")+"/status", url.Values{"to": {"done"}}), http.StatusNotFound, "台账中没有编号为“九.9”的问题")

		// A leader the config no longer has shows, and is not dropped unseen.
		gone := ledger.Item{Round: "2024-7", No: "五.2", Problem: "p", Units: []string{"bgs", "old-unit"}, Leader: "old-leader", LongTerm: true}
		if err := st.CreateItem(ctx, gone, admin, asOf); err != nil {
			t.Fatal(err)
		}
		gonePage := itemURL("2024-7", "五.2")
		form := o.get(gonePage + "/edit")
		want(t, "the form of an item of units and a leader gone", form, http.StatusOK, "old-leader（配置中已无）", "old-unit（配置中已无）")
		want(t, "saving it as it is", o.submit(gonePage+"/edit", url.Values{"problem": {"p"}, "lead": {"bgs"}, "units": {"old-unit"},
			"leader": {"old-leader"}, "long_term": {"1"}}), http.StatusBadRequest, "未知的责任领导", "未知的责任部门")

		got := actionsOf(t, st, store.ObjectItem, "2024-7/五.(1)")
		wantActions := []string{store.ActionItemReopen, store.ActionItemClose, store.ActionItemConfirm, store.ActionItemDone,
			store.ActionItemProgress, store.ActionItemEdit, store.ActionItemCreate}
		if !slices.Equal(got, wantActions) {
			t.Errorf("audit of the item: %q, want %q", got, wantActions)
		}
		want(t, "操作日志", o.get("/audit?object=item"), http.StatusOK, "新建问题", "修改问题", "标记已完成", "确认回头看", "销号", "重新打开",
			`href="/items/2024-7/%E4%BA%94.%281%29"`)
	})
}

// The office records a unit's submission from its cell of the duty matrix,
// by the rules of `duban submit`, and withdraws it with a reason.
func TestOfficeRecordsSubmissions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "DUBAN_ADMIN_PASSWORD="+testPassword)
		o := officeFor(t, f)
		const cell = "/duties/sanzhongyida/bgs/2026-10"
		want(t, "the matrix", o.get("/duties?duty=sanzhongyida"), http.StatusOK, `href="`+cell+`"`)
		want(t, "the cell", o.get(cell), http.StatusOK, "逾期未报", "2026-11-05", `id="submit-form"`)
		want(t, "a submission dated tomorrow", o.submit(cell+"/submit", url.Values{"on": {"2026-11-26"}}), http.StatusBadRequest, "报送日期晚于今天")
		want(t, "a period not ended", o.submit("/duties/sanzhongyida/bgs/2026-11/submit", nil), http.StatusBadRequest, "2026年11月的最后一天是2026年11月30日")
		wantRedirect(t, "submit", o.submit(cell+"/submit", url.Values{"on": {"2026-11-20"}, "note": {"纸质件已收"}}), "/duties?duty=sanzhongyida&notice=submitted")
		want(t, "the matrix after", o.get("/duties?duty=sanzhongyida&notice=submitted"), http.StatusOK, "已登记报送",
			`data-unit="bgs" data-period="2026-10">逾期报送</a><br><small>2026-11-20</small>`)
		want(t, "a second submission", o.submit(cell+"/submit", nil), http.StatusConflict, "已登记过这一期的报送")
		want(t, "the cell submitted", o.get(cell), http.StatusOK, "逾期报送(2026-11-20)", "纸质件已收", `id="withdraw-form"`)
		want(t, "a withdrawal without a reason", o.submit(cell+"/withdraw", nil), http.StatusBadRequest, "请填写撤回原因")
		wantRedirect(t, "withdraw", o.submit(cell+"/withdraw", url.Values{"reason": {"报错了表"}}), "/duties?duty=sanzhongyida&notice=withdrawn")
		want(t, "a withdrawal of nothing", o.submit(cell+"/withdraw", url.Values{"reason": {"再撤"}}), http.StatusConflict, "没有可撤回的报送")
		want(t, "the cell withdrawn", o.get(cell), http.StatusOK, "逾期未报", `id="submit-form"`)
		for _, path := range []string{"/duties/sanzhongyida/nosuch/2026-10", "/duties/nosuch/bgs/2026-10", "/duties/sanzhongyida/bgs/2026-Q3",
			"/duties/sanhuiyike/bgs/2026-Q3"} { // bgs is not a branch
			want(t, path, o.get(path), http.StatusNotFound, "没有这一报送事项")
		}
		if got := actionsOf(t, st, store.ObjectSubmission, "sanzhongyida/bgs/2026-10"); !slices.Equal(got,
			[]string{store.ActionSubmissionWithdraw, store.ActionSubmissionAdd}) {
			t.Errorf("audit of the submission: %q", got)
		}
	})
}

// exampleLedgerRecords are the records of the example ledger, the header
// first.
func exampleLedgerRecords(t *testing.T) [][]string {
	t.Helper()
	raw := readTestFile(t, "../examples/ledger.csv")
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return records
}

func csvBytes(t *testing.T, records [][]string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := csv.NewWriter(&b).WriteAll(records); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The office uploads a ledger file, sees what its import would change and
// the conflicts with what was changed in duban, and applies it keeping
// duban's values or overwriting them; a file the reader refuses is shown
// with every problem and kept nowhere.
func TestOfficeImportsLedger(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		f := newFixture(t, st, "DUBAN_ADMIN_PASSWORD="+testPassword)
		o := officeFor(t, f)
		wantRedirect(t, "done in duban", o.submit(itemURL("2024-7", "一.3.(1)")+"/status", url.Values{"to": {"done"}, "on": {"2026-11-24"}}),
			itemURL("2024-7", "一.3.(1)")+"?notice=done")

		records := exampleLedgerRecords(t)
		measures := slices.Index(records[0], "整改措施")
		for i, r := range records {
			if r[0] == "四.1" {
				records[i][measures] = "与律师事务所沟通,限期解决"
			}
		}
		row := slices.Clone(records[len(records)-1])
		row[0], row[slices.Index(records[0], "问题")] = "五.1", "新发现的问题"
		records = append(records, row)
		fields := url.Values{"csrf": {o.csrf}, "round": {"2024-7"}}

		want(t, "the upload form", o.get("/import"), http.StatusOK, `enctype="multipart/form-data"`, `id="import-file"`)
		res := o.upload("/import", fields, "台账v2.csv", csvBytes(t, records))
		location := res.header.Get("Location")
		if res.status != http.StatusSeeOther || !strings.HasPrefix(location, "/import/") {
			t.Fatalf("upload: %d to %q\n%s", res.status, location, res.body)
		}
		want(t, "the preview", o.get(location), http.StatusOK, "台账v2.csv", "新增 <strong>1</strong> 个，修改 <strong>1</strong> 个",
			"<strong>1</strong> 处冲突", "五.1", "新发现的问题", "与律师事务所沟通,限期解决", "第9行", "整改状态", "正在整改", "已完成",
			`id="apply-keep"`, `id="apply-overwrite"`, "尚未写入任何内容", "于2026年")
		if it, _ := st.GetItem(ctx, "2024-7", "四.1"); strings.HasPrefix(it.Measures, "与律师事务所沟通,限期") {
			t.Fatal("a preview wrote")
		}
		want(t, "apply, conflicts unsettled", o.submit(location, nil), http.StatusConflict, "有冲突，未写入任何内容")
		wantRedirect(t, "apply, keeping duban's", o.submit(location, url.Values{"on_conflict": {"keep"}}),
			"/import?changed=1&new=1&notice=imported&unchanged=24")
		want(t, "after the import", o.get("/import?changed=1&new=1&notice=imported&unchanged=24"), http.StatusOK, "已导入台账：新增 1 个问题，修改 1 个，未变 24 个")
		it, err := st.GetItem(ctx, "2024-7", "四.1")
		if err != nil || it.Measures != "与律师事务所沟通,限期解决" {
			t.Errorf("四.1 after the import: %+v %v", it, err)
		}
		if it, _ := st.GetItem(ctx, "2024-7", "一.3.(1)"); it.Status != ledger.StatusDone {
			t.Errorf("kept: 一.3.(1) is %s, want duban's done", it.Status)
		}
		if _, err := st.GetItem(ctx, "2024-7", "五.1"); err != nil {
			t.Errorf("the new item: %v", err)
		}
		want(t, "an upload applied", o.submit(location, url.Values{"on_conflict": {"keep"}}), http.StatusNotFound, "已导入或已过期")
		if got := actionsOf(t, st, store.ObjectLedger, "台账v2.csv"); !slices.Equal(got, []string{store.ActionLedgerImport}) {
			t.Errorf("audit of the import: %q", got)
		}
		entries, err := st.ListAudit(ctx, store.AuditFilter{ObjectType: store.ObjectItem, ObjectKey: "2024-7/五.1"})
		if err != nil || len(entries) != 1 || entries[0].Actor != (store.Actor{Name: "台账v2.csv", Kind: store.ActorImport, Addr: "127.0.0.1"}) {
			t.Errorf("audit of the imported item: %+v %v", entries, err)
		}

		// The same file again: the conflict is still there; the file wins.
		location = o.upload("/import", fields, "台账v2.csv", csvBytes(t, records)).header.Get("Location")
		want(t, "the preview again", o.get(location), http.StatusOK, "新增 <strong>0</strong> 个，修改 <strong>0</strong> 个", "<strong>1</strong> 处冲突")
		wantRedirect(t, "apply, overwriting", o.submit(location, url.Values{"on_conflict": {"overwrite"}}),
			"/import?changed=1&new=0&notice=imported&unchanged=25")
		if it, _ := st.GetItem(ctx, "2024-7", "一.3.(1)"); it.Status != ledger.StatusOpen {
			t.Errorf("overwritten: 一.3.(1) is %s, want the file's open", it.Status)
		}

		// The console's own export, uploaded, changes nothing.
		xlsx := o.get("/export?format=xlsx")
		location = o.upload("/import", fields, "导出.xlsx", []byte(xlsx.body)).header.Get("Location")
		want(t, "the preview of an export", o.get(location), http.StatusOK, "新增 <strong>0</strong> 个，修改 <strong>0</strong> 个，未变 26 个", `id="apply-submit"`)

		for _, tt := range []struct {
			name   string
			data   []byte
			status int
			text   string
		}{
			{"", nil, http.StatusBadRequest, "请选择要导入的台账文件"},
			{"bad.csv", []byte("编号,问题\n1,x\n"), http.StatusBadRequest, "缺少必需的列：责任部门"},
			{"old.xls", []byte("x"), http.StatusBadRequest, "不支持 .xls 格式"},
			{"big.csv", bytes.Repeat([]byte("x"), sheet.MaxFileSize+1), http.StatusBadRequest, "文件超过 20 MiB 上限"},
			{"huge.csv", bytes.Repeat([]byte("x"), maxUploadBytes), http.StatusRequestEntityTooLarge, "提交的内容过大"},
		} {
			want(t, "upload of "+tt.name, o.upload("/import", fields, tt.name, tt.data), tt.status, tt.text)
		}
		stranger := consoleFor(t, f) // without a session, no upload is read
		want(t, "an upload without a session", stranger.upload("/import", fields, "台账v2.csv", csvBytes(t, records)),
			http.StatusUnauthorized, "请先登录")
		if n, err := st.CountItems(ctx); err != nil || n != 26 {
			t.Errorf("%d items after refused uploads, want 26 (%v)", n, err)
		}
	})
}

func readTestFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The ledger downloads as the XLSX `duban export` writes, in the import's
// columns, with text that looks like a formula kept as text; CSV too.
func TestOfficeExportsLedger(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "DUBAN_ADMIN_PASSWORD="+testPassword)
		hostile := ledger.Item{Round: "2024-7", No: "五.1", Category: "+1", Problem: `=HYPERLINK("http://x.example","点击")`,
			Measures: "-认真整改", Progress: "@SUM(A1)", Units: []string{"bgs"}, Deadline: ledger.NewDate(2026, 12, 31), Status: ledger.StatusOpen}
		if err := st.CreateItem(t.Context(), hostile, admin, asOf); err != nil {
			t.Fatal(err)
		}
		addUser(t, st, "李纪检", store.RoleViewer, viewerPassword)
		b := consoleFor(t, f)
		b.mustLoginAs("李纪检", viewerPassword) // reading, a viewer may export

		res := b.get("/export?format=xlsx")
		if res.status != http.StatusOK || res.header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
			!strings.HasPrefix(res.header.Get("Content-Disposition"), "attachment; filename*=utf-8''%E6%95%B4%E6%94%B9%E5%8F%B0%E8%B4%A6-2024-7-20261125.xlsx") {
			t.Fatalf("xlsx export: %d %q %q", res.status, res.header.Get("Content-Type"), res.header.Get("Content-Disposition"))
		}
		wb, err := excelize.OpenReader(strings.NewReader(res.body))
		if err != nil {
			t.Fatal(err)
		}
		defer wb.Close()
		name := wb.GetSheetList()[0]
		rows, err := wb.GetRows(name)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(rows[0], ",") != "编号,问题类别,问题子类,问题,整改措施,责任领导,责任部门,完成时限,整改状态,完成日期,整改情况" || len(rows) != 27 {
			t.Fatalf("exported sheet: header %q, %d rows", rows[0], len(rows))
		}
		for col, text := range map[string]string{"B27": "+1", "D27": hostile.Problem, "E27": "-认真整改", "K27": "@SUM(A1)"} {
			formula, _ := wb.GetCellFormula(name, col)
			typ, _ := wb.GetCellType(name, col)
			v, _ := wb.GetCellValue(name, col)
			if formula != "" || v != text || (typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString) {
				t.Errorf("%s: %q of type %v, formula %q; want the text %q", col, v, typ, formula, text)
			}
		}
		l, err := sheet.ReadLedgerFrom(t.Context(), strings.NewReader(res.body), "export.xlsx", "2024-7", f.cfg, nil)
		if err != nil || len(l.Items) != 26 || l.Items[25].Problem != hostile.Problem {
			t.Errorf("the export read back: %d items, %v", len(l.Items), err)
		}

		res = b.get("/export?format=csv")
		records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.body, "\ufeff"))).ReadAll()
		if err != nil || res.header.Get("Content-Type") != "text/csv; charset=utf-8" || len(records) != 27 {
			t.Fatalf("csv export: %q, %d records, %v", res.header.Get("Content-Type"), len(records), err)
		}
		if last := records[26]; last[1] != "'+1" || last[3] != "'"+hostile.Problem || last[4] != "'-认真整改" || last[10] != "'@SUM(A1)" {
			t.Errorf("CSV cells %q, want the formulas defused", last)
		}
		want(t, "an export of an unknown round", b.get("/export?round=nosuch"), http.StatusBadRequest, "请选择要导出的巡察轮次")
	})
}

// Failed messages go back to the queue all at once, those the log's filter
// selects, from a form on 发送记录 that shows with the failed filter.
func TestOfficeResendsFailedMessages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		f := newFixture(t, st, "DUBAN_ADMIN_PASSWORD="+testPassword)
		f.run()
		claimed, err := st.ClaimDispatches(ctx, "test", f.clock.Now(), time.Minute, 3, true)
		if err != nil || len(claimed) != 3 {
			t.Fatalf("claim: %v %d", err, len(claimed))
		}
		var outcomes []store.Outcome
		for _, d := range claimed {
			outcomes = append(outcomes, store.Outcome{ID: d.ID, State: store.StateFailed, Error: "550 rejected"})
		}
		if _, err := st.Settle(ctx, "test", outcomes, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		o := officeFor(t, f)
		if res := o.get("/dispatches"); strings.Contains(res.body, "retry-failed-form") {
			t.Error("the log without the failed filter offers to resend")
		}
		to := claimed[0].Recipient
		want(t, "failed messages", o.get("/dispatches?status=failed&to="+url.QueryEscape(to)), http.StatusOK,
			`id="retry-failed-form"`, `<input type="hidden" name="to" value="`+to+`">`)
		wantRedirect(t, "resend one address's", o.submit("/dispatches/retry-failed", url.Values{"to": {to}}),
			"/dispatches?status=failed&to="+url.QueryEscape(to)+"&n=1&notice=retried")
		wantRedirect(t, "resend the rest", o.submit("/dispatches/retry-failed", url.Values{"since": {"2026-11-25"}}),
			"/dispatches?since=2026-11-25&status=failed&n=2&notice=retried")
		want(t, "the log after", o.get("/dispatches?since=2026-11-25&status=failed&n=2&notice=retried"), http.StatusOK,
			"已将发送失败的消息重新排队。（2 条）", "没有符合条件的发送记录")
		wantRedirect(t, "resend none", o.submit("/dispatches/retry-failed", nil), "/dispatches?status=failed&n=0&notice=retriedNone")
		want(t, "a bad day", o.submit("/dispatches/retry-failed", url.Values{"since": {"soon"}}), http.StatusBadRequest, "起始日期“soon”无效")
		if n := f.wakes.Load(); n != 2 {
			t.Errorf("the worker was woken %d times, want 2", n)
		}
		counts, err := st.CountDispatchesByState(ctx)
		if err != nil || counts[store.StateFailed] != 0 || counts[store.StatePending] != 5 {
			t.Errorf("states after the resend: %v %v", counts, err)
		}
		entries, err := st.ListAudit(ctx, store.AuditFilter{Action: store.ActionDispatchRetry})
		if err != nil || len(entries) != 3 || entries[0].Actor != admin {
			t.Errorf("audit of the resend: %+v %v", entries, err)
		}
	})
}

// A viewer reads the ledger and exports it, and sees no control that
// writes; the pages of the forms refuse it.
func TestViewerSeesNoWriteControls(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "DUBAN_ADMIN_PASSWORD="+testPassword)
		f.run()
		failFirstDispatch(t, f)
		addUser(t, st, "李纪检", store.RoleViewer, viewerPassword)
		viewer := consoleFor(t, f)
		viewer.mustLoginAs("李纪检", viewerPassword)
		item := itemURL("2024-7", "四.2")
		for _, path := range []string{"/items/new", item + "/edit", "/import", "/import/x", "/duties/sanzhongyida/bgs/2026-10"} {
			want(t, "viewer GET "+path, viewer.get(path), http.StatusForbidden, "只读账号")
		}
		csrf := hidden(t, viewer.get("/").body, "csrf")
		want(t, "a viewer's upload", viewer.upload("/import", url.Values{"csrf": {csrf}}, "a.csv", []byte("编号")), http.StatusForbidden, "只读账号")
		for path, controls := range map[string][]string{
			"/items":                     {"new-item", "import-ledger", "/items/new"},
			item:                         {"<form id=", "edit-item", "/progress", "/status", "/confirm"},
			"/duties?duty=sanzhongyida":  {`class="cell"`, "/duties/sanzhongyida/"},
			"/dispatches?status=failed":  {"retry-failed"},
			itemURL("2024-7", "一.1.(1)"): {"confirm-form", "reopen-form"},
		} {
			res := viewer.get(path)
			if res.status != http.StatusOK {
				t.Errorf("viewer GET %s: %d", path, res.status)
			}
			for _, c := range controls {
				if strings.Contains(res.body, c) {
					t.Errorf("a viewer's %s shows %q", path, c)
				}
			}
		}
		if res := viewer.get("/items"); !strings.Contains(res.body, `id="export-xlsx"`) {
			t.Error("a viewer is not offered the export")
		}
	})
}
