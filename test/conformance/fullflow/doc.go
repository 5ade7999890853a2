// Command fullflow runs versitygw's client-side conformance suite
// ("versitygw test full-flow") against one S3 endpoint, one test at a time,
// and writes one JSON line per test.
//
// The suite's own full-flow command runs every test in one goroutine, so a
// test that panics ends the run and hides every test after it. fullflow
// asks the suite for the same ordered list of tests full-flow runs (the
// suite's TestFullFlow, unchanged), then runs each test on its own with a
// recover and a deadline: a panic or a hang is that test's failure, not the
// end of the run. No test is skipped or singled out by name.
//
// "fullflow report" merges the per-target files into results.tsv and a
// Markdown summary table.
package main
