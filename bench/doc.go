// Package bench measures duban against the floors it cannot beat: a bare
// go-mail loop for delivery, one SQL query for planning, an idle process
// for serve, and the ledger import's throughput; and the console's pages
// against their targets of time and size. The measurements are Go
// benchmarks (go test -bench) whose heavy setup lives inside the Benchmark
// functions, so that a plain `go test ./...` only compiles them; bench/run
// starts what they need and prints their results as one table.
//
// Environment:
//
//	DUBAN_TEST_DATABASE_URL  PostgreSQL database for the PostgreSQL cases (each
//	                         case works in a schema of its own); unset: skipped
//	DUBAN_BENCH_BIN          the duban binary, for the idle and import cases;
//	                         unset: built into a temporary directory
//	DUBAN_BENCH_OUT          file the result rows are appended to (TSV), for
//	                         bench/run's table
//	DUBAN_BENCH_IDLE         idle window of the serve case (default 1m)
//	DUBAN_BENCH_PG_ITEMS     items of the PostgreSQL planning case (1000000)
//	DUBAN_BENCH_SQLITE_ITEMS items of the SQLite planning case (100000)
//	DUBAN_BENCH_MESSAGES     messages of the delivery case (10000)
//	DUBAN_BENCH_ROWS         rows of the import case (100000)
//	DUBAN_BENCH_CONSOLE_ITEMS items of the console case (100000)
//	DUBAN_BENCH_REQUESTS     requests per page of the console case (20)
//	DUBAN_BENCH_CPUPROFILE   prefix of CPU profiles of each planning run
//	DUBAN_BENCH_HEAPPROFILE  prefix of heap profiles (at the peak) of each planning run
package bench
