package progress

import (
	"bytes"
	"testing"
)

func TestReporterRedrawsOneLineOnATerminal(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	r := New(&out, true, "reading ledger.csv")
	for range 2500 {
		r.Add(1)
	}
	r.Done()
	want := "\rreading ledger.csv: 1000 rows\rreading ledger.csv: 2000 rows\rreading ledger.csv: 2500 rows\n"
	if out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}

func TestReporterShortFileDrawsOnlyTheTotal(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	r := New(&out, true, "writing export.csv")
	r.Add(30)
	r.Done()
	if want := "\rwriting export.csv: 30 rows\n"; out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}

func TestReporterIsSilentOffATerminal(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	r := New(&out, false, "reading ledger.csv")
	r.Add(5000)
	r.Done()
	if out.Len() != 0 {
		t.Errorf("output %q, want none", out.String())
	}
}
