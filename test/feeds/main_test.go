package feeds

import (
	"os"
	"testing"

	"github.com/ringside/ringside/test/testenv"
)

// ringsideBin is the ringside binary the tests that run `ringside serve`
// use, built once by TestMain.
var ringsideBin string

func TestMain(m *testing.M) { os.Exit(testenv.RunWithRingside(m, &ringsideBin)) }
