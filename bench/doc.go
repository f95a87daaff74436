// Package bench measures duban at the scale of its work against the floors
// it cannot beat and its targets: delivery against a bare go-mail loop, the
// deadlines job's daily run against one SQL query, an idle serve's memory,
// and the console's pages. The measurements are Go benchmarks (go test
// -bench) whose heavy setup lives inside the Benchmark functions, so that
// a plain `go test ./...` only compiles them; bench/run starts what they
// need, runs each in a process of its own and prints one table
// (bench/cmd/benchtable). docs/BENCHMARKS.md says what each case measures.
//
// Environment:
//
//	DUBAN_TEST_DATABASE_URL   PostgreSQL database of the PostgreSQL cases
//	                          (bench/run: duban_bench); unset: skipped
//	DUBAN_BENCH_OUT           file the table's rows are appended to (TSV)
//	DUBAN_BENCH_BIN           the duban binary of the idle case; unset: built
//	DUBAN_BENCH_MESSAGES      digests of the delivery case (10000)
//	DUBAN_BENCH_PG_ITEMS      items of the PostgreSQL planning case (1000000)
//	DUBAN_BENCH_SQLITE_ITEMS  items of the SQLite planning case (100000)
//	DUBAN_BENCH_IDLE          idle window of the serve case (30s)
//	DUBAN_BENCH_CONSOLE_ITEMS items of the console case (100000)
//	DUBAN_BENCH_REQUESTS      requests per page of the console case (20)
package bench
