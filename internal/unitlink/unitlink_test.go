package unitlink

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func TestSignAndVerify(t *testing.T) {
	t.Parallel()
	s := NewSigner([]byte(strings.Repeat("k", 32)))
	c := Claims{Unit: "bgs", Generation: 3, Expires: now.Add(30 * 24 * time.Hour)}
	token := s.Sign(c)
	got, err := s.Verify(token, now)
	if err != nil || got.Unit != "bgs" || got.Generation != 3 || !got.Expires.Equal(c.Expires.Truncate(time.Second)) {
		t.Fatalf("Verify(Sign(c)) = %+v, %v", got, err)
	}
	if _, err := s.Verify(token, c.Expires); !errors.Is(err, ErrExpired) {
		t.Errorf("at its expiry: %v, want ErrExpired", err)
	}
	other := NewSigner([]byte(strings.Repeat("x", 32)))
	forged := other.Sign(Claims{Unit: "bgs", Generation: 3, Expires: c.Expires})
	parts := strings.Split(token, ".")
	for name, bad := range map[string]string{
		"another key":      forged,
		"another unit":     b64.EncodeToString([]byte("zzb")) + "." + strings.Join(parts[1:], "."),
		"older generation": parts[0] + ".2." + parts[2] + "." + parts[3],
		"later expiry":     parts[0] + "." + parts[1] + ".zzzzzz." + parts[3],
		"cut signature":    token[:len(token)-2],
		"empty":            "",
		"extra part":       token + ".x",
	} {
		if _, err := s.Verify(bad, now); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

func TestFormToken(t *testing.T) {
	t.Parallel()
	s := NewSigner([]byte(strings.Repeat("k", 32)))
	a := s.Sign(Claims{Unit: "a", Expires: now})
	b := s.Sign(Claims{Unit: "b", Expires: now})
	if !s.CheckForm(a, s.FormToken(a)) || s.CheckForm(a, s.FormToken(b)) || s.CheckForm(a, "") || s.FormToken(a) == a {
		t.Error("a form token must belong to its link alone")
	}
}

func TestLinksURL(t *testing.T) {
	t.Parallel()
	l := &Links{Signer: NewSigner([]byte(strings.Repeat("k", 32))), PublicURL: "https://duban.example.org/", TTL: time.Hour}
	u := l.URL("bgs", 0, now)
	token, ok := strings.CutPrefix(u, "https://duban.example.org/u/")
	if !ok {
		t.Fatalf("URL = %s", u)
	}
	c, err := l.Signer.Verify(token, now)
	if err != nil || !c.Expires.Equal(now.Add(time.Hour)) {
		t.Errorf("the link's claims: %+v, %v", c, err)
	}
}
