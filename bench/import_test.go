package bench

import (
	"encoding/csv"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// importUnits and importLeaders size the directory of the import case.
const (
	importUnits   = 100
	importLeaders = 10
)

// BenchmarkImport runs `duban import` (the real binary, a fresh SQLite
// database) on a generated ledger of 100,000 rows, as CSV and as XLSX, and
// reports rows per second and the process's peak resident memory
// (getrusage's ru_maxrss of the child). The rows are short, about 150 bytes
// of CSV each, so that the file stays under sheet.MaxFileSize (20 MiB).
func BenchmarkImport(b *testing.B) {
	rows := EnvInt("DUBAN_BENCH_ROWS", 100_000)
	bin := dubanBinary(b)
	dir := b.TempDir()
	writeImportConfig(b, dir)
	records := importRecords(rows)
	files := map[string]string{"csv": filepath.Join(dir, "ledger.csv"), "xlsx": filepath.Join(dir, "ledger.xlsx")}
	writeCSV(b, files["csv"], records)
	writeXLSX(b, files["xlsx"], records)
	for _, format := range []string{"csv", "xlsx"} {
		b.Run(format, func(b *testing.B) {
			for i := range b.N {
				db := filepath.Join(dir, fmt.Sprintf("%s-%d.db", format, i))
				took, peak, out := runImport(b, bin, dir, db, files[format])
				info, _ := os.Stat(files[format])
				b.Logf("%s: %d rows in %v, peak %.0f MiB: %s", format, rows, took.Round(time.Millisecond), MB(peak), strings.TrimSpace(out))
				b.ReportMetric(float64(rows)/took.Seconds(), "rows/s")
				b.ReportMetric(MB(peak), "peak_MiB")
				if err := Record(Row{Bench: "import", Case: fmt.Sprintf("%d-row %s (%.1f MiB), into SQLite", rows, strings.ToUpper(format), MB(info.Size())),
					Unit: "rows/s", Duban: float64(rows) / took.Seconds(), Floor: NA, Ratio: NA, Target: "",
					MemMB: MB(peak), MemMax: "", Note: fmt.Sprintf("%.1fs for the whole duban import process", took.Seconds())}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func runImport(b *testing.B, bin, dir, db, file string) (time.Duration, int64, string) {
	cmd := exec.Command(bin, "--config", filepath.Join(dir, "duban.toml"), "import", file)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DUBAN_DATABASE_URL=sqlite:"+db, "DUBAN_CONFIG=")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	if err != nil {
		b.Fatalf("duban import: %v\n%s", err, out)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		b.Fatal("no rusage")
	}
	return took, ru.Maxrss << 10, string(out) // ru_maxrss is in KiB on Linux
}

var importHeader = []string{"编号", "问题类别", "问题", "整改措施", "责任领导", "责任部门", "完成时限", "整改状态", "整改情况"}

// importRecords are the rows of the generated ledger, header first.
func importRecords(n int) [][]string {
	out := [][]string{importHeader}
	statuses := []string{"未完成", "正在整改", "已完成", "已销号"}
	for i := range n {
		units := "第" + fmt.Sprint(i%importUnits) + "部门"
		if i%3 == 0 {
			units += "、第" + fmt.Sprint((i*7+1)%importUnits) + "部门"
		}
		progress := ""
		if i%4 >= 2 {
			progress = "已按期完成整改"
		}
		out = append(out, []string{
			fmt.Sprintf("%d.%d.(%d)", i/1000+1, i%1000/10+1, i%10+1),
			"思想建设方面问题",
			"理论学习不够深入" + fmt.Sprint(i),
			"完成中心组全部学习专题及篇目",
			"领导" + fmt.Sprint(i%importLeaders),
			units,
			time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%365).Format("2006年1月2日"),
			statuses[i%len(statuses)],
			progress,
		})
	}
	return out
}

func writeCSV(b *testing.B, path string, records [][]string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(records); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

func writeXLSX(b *testing.B, path string, records [][]string) {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	for i, rec := range records {
		row := make([]any, len(rec))
		for j, v := range rec {
			row[j] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, row); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		b.Fatal(err)
	}
}

// writeImportConfig writes the import case's config: one round, the units
// and leaders the generated rows name, the outbox transport.
func writeImportConfig(b *testing.B, dir string) {
	var sb strings.Builder
	sb.WriteString("timezone = \"Asia/Shanghai\"\nsupervisors = [\"zgb@" + BenchDomain + "\"]\n\n")
	sb.WriteString("[mail]\ntransport = \"outbox\"\nfrom = \"" + From + "\"\noutbox_dir = \"outbox\"\n\n")
	sb.WriteString("[[rounds]]\ncode = \"bench\"\nname = \"压测轮次\"\n\n")
	for i := range importLeaders {
		fmt.Fprintf(&sb, "[[leaders]]\ncode = \"%s\"\nname = \"领导%d\"\nemail = \"%s@%s\"\n\n", LeaderCode(i), i, LeaderCode(i), BenchDomain)
	}
	for i := range importUnits {
		fmt.Fprintf(&sb, "[[units]]\ncode = \"%s\"\nname = \"第%d部门\"\nkind = \"department\"\nemails = [\"%s\"]\nleader = \"%s\"\n\n",
			UnitCode(i), i, UnitEmail(i), LeaderCode(i%importLeaders))
	}
	if err := os.WriteFile(filepath.Join(dir, "duban.toml"), []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
}

// freePort returns a TCP port free on 127.0.0.1 right now.
func freePort(b *testing.B) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
