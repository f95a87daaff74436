// Command smtpsink runs bench's SMTP sink as a process of its own, as a
// real server would be: it shares neither the Go scheduler nor the garbage
// collector with the client under test. It prints
//
//	smtp=127.0.0.1:PORT count=http://127.0.0.1:PORT/count
//
// on its first line and runs until its standard input is closed.
package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"

	"duban/bench"
)

func main() {
	sink, err := bench.StartSink()
	if err != nil {
		log.Fatal(err)
	}
	defer sink.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /count", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, strconv.FormatInt(sink.Messages(), 10))
	})
	go func() { _ = http.Serve(ln, mux) }()
	fmt.Printf("smtp=%s count=http://%s/count\n", sink.Addr(), ln.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent closes it (or dies)
}
