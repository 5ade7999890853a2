# ringside: build, test and try the S3 sidecar gateway.

GO            ?= go
VERSION       ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REVISION      ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS       := -s -w -X main.version=$(VERSION) -X main.revision=$(REVISION)
IMAGE         ?= ringside:$(VERSION)
# staticcheck 2026.2.2 is the first release that knows Go 1.26.
STATICCHECK   := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: build image test fault demo lint bench fuzz-short conformance clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/ringside ./cmd/ringside

# The container image, with the version, commit and build time in its
# binary and OCI labels.
image:
	docker build --build-arg VERSION=$(VERSION) --build-arg REVISION=$(REVISION) \
		--build-arg CREATED=$$(date -u +%Y-%m-%dT%H:%M:%SZ) -t $(IMAGE) .

# test/deps.sh installs the clients and the MinIO server the end-to-end
# tests use, when they are missing.
test:
	./test/deps.sh
	$(GO) test $$($(GO) list ./... | grep -v /test/fault) -count=1 -timeout 40m

# The fault suite: the binary against a MinIO that the tests freeze and
# kill, kill -9 under load, slowloris. Short by default (a few minutes);
# `make fault FAULT=long` runs the long version. The FIGURES lines of its
# output are the measures.
fault:
	./test/deps.sh
	RINGSIDE_FAULT_LONG=$(if $(filter long,$(FAULT)),1,) $(GO) test ./test/fault -count=1 -v -timeout 60m

demo:
	$(GO) run ./cmd/ringside demo

lint:
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

bench:
	$(GO) run ./test/bench

# versitygw's S3 suite against MinIO directly and through ringside (prefix
# and no-prefix locations); results in test/conformance/out. Not part of
# `make test`: it takes a while. See docs/CONFORMANCE.md.
conformance:
	./test/deps.sh
	./test/conformance/run.sh

# A short run of every fuzz target, from the corpus kept in testdata/fuzz.
# Bounded by executions, not time: Go 1.26's fuzz coordinator can report a
# time bound's own deadline as a failure ("context deadline exceeded", no
# failing input; go.dev/issue/75804), which a loaded machine makes likely.
FUZZTIME ?= 100000x
fuzz-short:
	$(GO) test ./gateway/s3auth -run '^$$' -fuzz '^FuzzChunkedDecoder$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2000x
	$(GO) test ./gateway/s3auth -run '^$$' -fuzz '^FuzzSigV4ParseAuthorization$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2000x
	$(GO) test ./gateway/s3auth -run '^$$' -fuzz '^FuzzSigV4Verify$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2000x
	$(GO) test ./index -run '^$$' -fuzz '^FuzzListMarkers$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2000x

clean:
	rm -rf bin
