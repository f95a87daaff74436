package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/golang/snappy"
)

// A message's two bodies are kept together in the dispatch's body column,
// compressed with Snappy: a digest's HTML repeats the same inline styles
// row after row, and the bodies are nine tenths of what a run writes
// (16 MiB a day for a 100,000-item ledger on SQLite, which compresses
// nothing by itself). Snappy shrinks them about four times at 2 GB/s, so
// compressing costs a run less than writing the bytes it saves, and a
// delivery reads a quarter of the bytes. Rows written before migration
// 00010 keep their bodies in body_text and body_html, and body NULL.

// PackBodies is what the body column holds for a message's plain-text and
// HTML bodies: Snappy's block format of len(text) as a uvarint, the text,
// and the HTML.
func PackBodies(text, html string) []byte {
	raw := make([]byte, 0, binary.MaxVarintLen64+len(text)+len(html))
	raw = binary.AppendUvarint(raw, uint64(len(text)))
	raw = append(raw, text...)
	raw = append(raw, html...)
	return snappy.Encode(nil, raw)
}

var errBadBody = errors.New("store: malformed message body")

// unpackBodies reverses PackBodies.
func unpackBodies(packed []byte) (text, html string, err error) {
	raw, err := snappy.Decode(nil, packed)
	if err != nil {
		return "", "", fmt.Errorf("%w: %w", errBadBody, err)
	}
	n, size := binary.Uvarint(raw)
	if size <= 0 || n > uint64(len(raw)-size) {
		return "", "", errBadBody
	}
	rest := string(raw[size:])
	return rest[:n], rest[n:], nil
}
