// Package e2e holds ringside's end-to-end tests: the ringside binary is
// built once, run as `ringside serve` against a real backend (the embedded
// fake and a MinIO server), and driven with the clients users have (aws-cli,
// s3cmd, rclone, boto3) and with the ringside CLI itself. The backends, the
// gateway processes and the clients are set up by the harness in
// harness_test.go; run `test/deps.sh` once to install MinIO and the clients.
package e2e
