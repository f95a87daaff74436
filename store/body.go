package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

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
	scratch := scratchBuffers.Get().(*bodyScratch)
	defer scratchBuffers.Put(scratch)
	raw := scratch.raw[:0]
	raw = binary.AppendUvarint(raw, uint64(len(text)))
	raw = append(raw, text...)
	raw = append(raw, html...)
	packed := snappy.Encode(scratch.packed[:cap(scratch.packed)], raw)
	scratch.raw, scratch.packed = raw, packed
	// Only the packed bytes are kept, in a slice of their own size: a run
	// packs thousands of messages, and both scratch buffers are several
	// times larger.
	return bytes.Clone(packed)
}

// bodyScratch holds PackBodies' and unpackBodies' buffers between calls.
type bodyScratch struct{ raw, packed []byte }

var scratchBuffers = sync.Pool{New: func() any { return new(bodyScratch) }}

var errBadBody = errors.New("store: malformed message body")

// unpackBodies reverses PackBodies.
func unpackBodies(packed []byte) (text, html string, err error) {
	scratch := scratchBuffers.Get().(*bodyScratch)
	defer scratchBuffers.Put(scratch)
	raw, err := snappy.Decode(scratch.raw[:cap(scratch.raw)], packed)
	if err != nil {
		return "", "", fmt.Errorf("%w: %w", errBadBody, err)
	}
	scratch.raw = raw
	n, size := binary.Uvarint(raw)
	if size <= 0 || n > uint64(len(raw)-size) {
		return "", "", errBadBody
	}
	return string(raw[size : size+int(n)]), string(raw[size+int(n):]), nil
}
